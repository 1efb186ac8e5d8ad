// jarvis_instance_health_score{service,instance}: the score the health router weighs each
// instance by (read-models/health-scores.ts), read at scrape time so it never drifts.
import type { Client } from '@temporalio/client';
import type { Cluster } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { InstanceLister } from '../../read-models/platform';
import { readHealthScores } from '../../read-models/health-scores';
import { instanceViews } from '../../read-models/platform-view';

export interface HealthScoreSources {
  client: Client;
  orchestrator: InstanceLister;
  redis: () => Cluster | undefined;
  services: string[];
}

export function registerHealthScoreMetrics(registry: Registry, sources: HealthScoreSources): void {
  new Gauge({
    name: 'jarvis_instance_health_score',
    help: "Each instance's health score, 0-100: the health router's (100 × (1 − error rate) while healthy, else 0), or 100/0 from a probe when no router tracks it",
    labelNames: ['service', 'instance'],
    registers: [registry],
    async collect() {
      this.reset();
      let redis: Cluster | undefined;
      try {
        redis = sources.redis();
      } catch {
        redis = undefined;
      }
      for (const service of sources.services) {
        // A failed read leaves the service out: Prometheus then sees no sample, never a stale one.
        const scores = await instanceViews(sources.orchestrator, redis, service, { probe: true, timeoutMs: 1_500 })
          .then((view) => readHealthScores(sources.client, service, view.instances))
          .catch(() => []);
        for (const s of scores) this.set({ service, instance: s.instance }, s.score);
      }
    },
  });
}
