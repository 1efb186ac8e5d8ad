// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './docker-orchestrator';
import { waitForHealthy } from './health';
import { checkServedThroughLoadBalancer } from './load-balancer-check';
import { createNginxActivities } from './nginx';
import { createScrapeTargetActivities } from './scrape-targets';
import { createServiceCatalog } from './services';

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
      instanceEnv: config.appInstance.env,
      secretsFile: config.appInstance.secretsFile,
    }),
    waitForHealthy,
    ...createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix }),
    checkServedThroughLoadBalancer,
    ...createScrapeTargetActivities(config.prometheusTargetsDir),
  };
}

export type Activities = ReturnType<typeof createActivities>;
