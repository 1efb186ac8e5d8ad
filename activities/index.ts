// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './docker-orchestrator';
import { waitForHealthy } from './health';
import { createInstanceAdmin } from './instance-admin';
import { checkServedThroughLoadBalancer } from './load-balancer-check';
import { createNginxActivities } from './nginx';
import type { InstanceLaunchSettings, Orchestrator } from './orchestrator';
import { createProcessOrchestrator } from './process-orchestrator';
import { createScrapeTargetActivities } from './scrape-targets';
import { createServiceCatalog } from './services';

export interface ActivityClients {
  docker: Dockerode;
}

export function createClients(config: WorkerConfig): ActivityClients {
  return { docker: new Dockerode({ socketPath: config.dockerSocket }) };
}

export function launchSettings(config: WorkerConfig): InstanceLaunchSettings {
  return {
    appDir: config.appDir,
    startupDelayMs: config.appStartupDelayMs,
    shutdownDeadlineMs: config.appShutdownDeadlineMs,
    redisClusterNodes: config.redisClusterNodes,
    databaseUrl: config.databaseUrl,
    readReplicaUrls: config.readReplicaUrls,
    secretsFile: config.secretsFile,
  };
}

export function createOrchestrator(driver: 'docker' | 'process', config: WorkerConfig, clients: ActivityClients): Orchestrator {
  return driver === 'docker'
    ? createDockerOrchestrator(clients.docker, { ...launchSettings(config), image: config.appImage })
    : createProcessOrchestrator({ ...launchSettings(config), logDir: config.logDir });
}

/** `driver` is the resolved orchestrator (see chooseOrchestrator), never "auto". */
export function createActivities(config: WorkerConfig, driver: 'docker' | 'process', clients: ActivityClients = createClients(config)) {
  return {
    ...createServiceCatalog(config),
    ...createOrchestrator(driver, config, clients),
    waitForHealthy,
    ...createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix }),
    checkServedThroughLoadBalancer,
    ...createInstanceAdmin({ adminToken: config.adminToken }),
    ...createScrapeTargetActivities(config.prometheusTargetsDir),
  };
}

export type Activities = ReturnType<typeof createActivities>;
