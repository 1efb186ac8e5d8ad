// The activities of the healthRouter workflow beyond nginx's own: its settings from the
// worker's configuration, and the probe round (instance-probe.ts) over the upstream.
import type { WorkerConfig } from '../../config/worker-config';
import type { HealthRouterSettings } from '../../policy/routing/health-router';
import { createInstanceProbe } from './instance-probe';
import { createNginxActivities, loadBalancerSettings } from './nginx';

export function createHealthRouterActivities(config: WorkerConfig) {
  const nginx = createNginxActivities(loadBalancerSettings(config));
  return {
    /** HEALTH_ROUTER_* as this worker read them; a run's input may override each. */
    async healthRouterDefaults(): Promise<HealthRouterSettings> {
      return config.healthRouter;
    },
    ...createInstanceProbe(nginx.readUpstreamState),
  };
}
