// The catalogue of services this control plane may scale, from the worker's configuration.
import type { WorkerConfig } from '../../config/worker-config';
import type { ServiceSpec } from '../../contracts/scaling';
import { FailureType, permanentFailure } from '../common/errors';

/** Refuses, non-retryably, a service this worker does not scale. */
export function assertKnownService(config: WorkerConfig, service: string): void {
  if (!config.services.includes(service)) {
    throw permanentFailure(
      FailureType.UnknownService,
      `unknown service "${service}"; this worker scales: ${config.services.join(', ')} (set SERVICES to change that)`,
    );
  }
}

export function createServiceCatalog(config: WorkerConfig) {
  return {
    async describeService(service: string): Promise<ServiceSpec> {
      assertKnownService(config, service);
      return {
        service,
        basePort: config.appBasePort,
        minInstances: config.minInstances,
        maxInstances: config.maxInstances,
        version: config.appVersion,
        healthPath: '/api/health',
        loadBalancerUrl: `http://${config.nginxHost}:${config.nginxPort}/api/ping`,
        shutdownGraceSeconds: Math.ceil(config.appShutdownDeadlineMs / 1000) + 5,
      };
    },
  };
}
