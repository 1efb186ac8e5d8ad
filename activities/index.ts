// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './docker-orchestrator';
import { waitForHealthy } from './health';
import { checkServedThroughLoadBalancer } from './load-balancer-check';
import { createNginxActivities } from './nginx';
import { createScrapeTargetActivities } from './scrape-targets';
import { createServiceCatalog } from './services';
import { createPgMetricsActivities } from './pg-metrics';
import { createPgTopologyActivities } from './pg-topology';
import { createPgControlActivities } from './postgres-control';
import { createPgProbeActivities } from './postgres-probe';
import { createPgRejoinActivities } from './postgres-rejoin';

export interface ActivityClients {
  docker: Dockerode;
}

export function createClients(config: WorkerConfig): ActivityClients {
  return { docker: new Dockerode({ socketPath: config.dockerSocket }) };
}

export function createActivities(config: WorkerConfig, clients: ActivityClients = createClients(config)) {
  return {
    ...createServiceCatalog(config),
    ...createDockerOrchestrator(clients.docker, {
      image: config.appImage,
      appDir: config.appDir,
      startupDelayMs: config.appStartupDelayMs,
    }),
    waitForHealthy,
    ...createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix }),
    checkServedThroughLoadBalancer,
    ...createScrapeTargetActivities(config.prometheusTargetsDir),
    // PostgreSQL HA
    ...createPgProbeActivities(config),
    ...createPgControlActivities(config),
    ...createPgRejoinActivities(config),
    ...createPgTopologyActivities(config),
    ...createPgMetricsActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
