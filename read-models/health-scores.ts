// Each instance's health score (0-100), where an operator looks: the admin API's
// /api/admin/health/instances, `jarvis-scale status` and the gauge jarvis_instance_health_score.
// The score is the health router's own (policy/routing/health-router.ts: 100 × (1 − error
// rate) while /api/health answers 200, else 0), read from its progress query, so every
// place shows the figure the router weighs traffic by. An instance the router does not
// track (no router running, or not yet in its upstream) gets the same rule from a probe,
// without the error rate: 100 when healthy, 0 when not.
import type { Client } from '@temporalio/client';
import { healthRouterId, healthRouterProgressQuery, type HealthRouterProgress } from '../contracts/routing';
import type { InstanceView } from './platform-view';

export interface InstanceHealthScore {
  instance: string;
  score: number;
  /** Where the score comes from: the health router's last round, or this read's health probe. */
  source: 'health-router' | 'probe';
  /** The router's breaker state and reason code; null from a probe. */
  breaker: string | null;
  code: string | null;
  errorRate: number | null;
}

type RouterInstances = HealthRouterProgress['instances'];

/** Pure: the router's figures where it has them, the probe's rule elsewhere. */
export function scoreInstances(views: InstanceView[], router: RouterInstances | null): InstanceHealthScore[] {
  return views.map((v) => {
    const tracked = router?.find((r) => r.name === v.name);
    if (tracked)
      return {
        instance: v.name,
        score: tracked.score,
        source: 'health-router',
        breaker: tracked.breaker,
        code: tracked.code,
        errorRate: tracked.errorRate,
      };
    const healthy = v.running && (v.health ? v.health.healthy : v.registryStatus === 'ready');
    return { instance: v.name, score: healthy ? 100 : 0, source: 'probe', breaker: null, code: null, errorRate: null };
  });
}

/** The router's instances, or null when no router answers within timeoutMs (none runs, or no worker polls). */
export async function readRouterInstances(client: Client, service: string, timeoutMs = 2_000): Promise<RouterInstances | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  const handle = client.workflow.getHandle(healthRouterId(service));
  // A closed router's query would wait for a worker to replay it: ask only a running one.
  const query = handle
    .describe()
    .then((d) => (d.status.name === 'RUNNING' ? handle.query(healthRouterProgressQuery).then((p) => p.instances) : null))
    .catch(() => null);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readHealthScores(client: Client, service: string, views: InstanceView[]): Promise<InstanceHealthScore[]> {
  return scoreInstances(views, await readRouterInstances(client, service));
}
