// The platform's metrics, computed at scrape time so they never drift: instance counts from
// the orchestrator, the registry and each instance's health endpoint; scaling events,
// durations and autoscale triggers from Temporal visibility.
import type { Client } from '@temporalio/client';
import type { Cluster } from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { InstanceLister } from '../../read-models/platform';
import { durationSeconds, outcomeOf, SCALING_OPERATION_TYPES } from '../../policy/scaling/scaling-stats';
import { instanceCounts, instanceViews } from '../../read-models/platform-view';
import { autoscaleTriggers, listOperations, type OperationRecordWithRun } from '../../read-models/visibility';
import { oncePerScrape } from './once-per-scrape';

export interface PlatformSources {
  client: Client;
  orchestrator: InstanceLister;
  redis: () => Cluster | undefined;
  services: string[];
}

/** Seconds, spanning a quick drain to a scale-up held through a long cooldown. */
export const SCALING_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800];

type Counts = { total: number; ready: number; unhealthy: number };

/** Each service's instance counts: one census of orchestrator, registry and health per scrape. */
async function takeCensus(sources: PlatformSources): Promise<Map<string, Counts>> {
  const counts = new Map<string, Counts>();
  let redis: Cluster | undefined;
  try {
    redis = sources.redis();
  } catch {
    redis = undefined;
  }
  for (const service of sources.services) {
    const { instances } = await instanceViews(sources.orchestrator, redis, service, { probe: true, timeoutMs: 1_500 });
    counts.set(service, instanceCounts(instances));
  }
  return counts;
}

function registerInstanceGauges(registry: Registry, sources: PlatformSources): void {
  const census = oncePerScrape(() => takeCensus(sources));
  const instanceGauge = (name: string, help: string, field: keyof Counts) =>
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        this.reset();
        // A failed census leaves the gauge empty: Prometheus then sees no sample, never a stale one.
        const counts = await census().catch(() => new Map<string, Counts>());
        for (const [service, c] of counts) this.set({ service }, c[field]);
      },
    });
  instanceGauge('jarvis_instances_total', 'Instances the orchestrator runs for the service', 'total');
  instanceGauge('jarvis_instances_ready', 'Instances that answer /api/health with 200', 'ready');
  instanceGauge(
    'jarvis_instances_unhealthy',
    'Instances that are not running, or fail /api/health while neither starting nor draining',
    'unhealthy',
  );
}

function registerScalingMetrics(registry: Registry, sources: PlatformSources): void {
  // One visibility read per scrape, shared by the three metrics that need it.
  const operations = oncePerScrape(() =>
    listOperations(sources.client, { types: SCALING_OPERATION_TYPES }).catch((): OperationRecordWithRun[] => []),
  );
  new Counter({
    name: 'jarvis_scaling_events_total',
    help: 'Scaling operations that closed, by outcome (from Temporal visibility)',
    labelNames: ['service', 'operation', 'outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await operations()) {
        const outcome = outcomeOf(r.status);
        if (outcome !== 'success' && outcome !== 'failure') continue;
        this.inc({ service: r.service ?? 'unknown', operation: r.type, outcome });
      }
    },
  });

  new Histogram({
    name: 'jarvis_scaling_duration_seconds',
    help: 'Duration of scaling operations that succeeded, cooldown included (from Temporal visibility)',
    labelNames: ['service', 'operation'],
    buckets: SCALING_DURATION_BUCKETS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await operations()) {
        const seconds = durationSeconds(r);
        if (seconds === undefined || outcomeOf(r.status) !== 'success') continue;
        this.observe({ service: r.service ?? 'unknown', operation: r.type }, seconds);
      }
    },
  });

  new Counter({
    name: 'jarvis_autoscale_triggers_total',
    help: 'Scale operations started by an autoscale check, by direction (from Temporal visibility)',
    labelNames: ['service', 'direction'],
    registers: [registry],
    async collect() {
      this.reset();
      // Every service and direction exists from the first scrape, at 0 until a check triggers
      // one: a missing series would read as "no data" rather than "no trigger".
      for (const service of sources.services) for (const direction of ['up', 'down']) this.inc({ service, direction }, 0);
      for (const t of autoscaleTriggers(await operations())) this.inc({ service: t.service, direction: t.direction }, t.count);
    },
  });
}

export function registerPlatformMetrics(registry: Registry, sources: PlatformSources): void {
  registerInstanceGauges(registry, sources);
  registerScalingMetrics(registry, sources);
}
