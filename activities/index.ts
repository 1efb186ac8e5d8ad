// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { Cluster } from 'ioredis';
import { createRedisCluster } from '../app/lib/redis-cluster';
import { readSecret } from '../config/secrets';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './docker-orchestrator';
import { createAutoscaleState } from './autoscale-state';
import { waitForHealthy } from './health';
import { createInstanceMetrics } from './instance-metrics';
import { createInstanceAdmin } from './instance-admin';
import { checkServedThroughLoadBalancer } from './load-balancer-check';
import { createNginxActivities } from './nginx';
import type { InstanceLaunchSettings, Orchestrator } from './orchestrator';
import { createProcessOrchestrator } from './process-orchestrator';
import { createScrapeTargetActivities } from './scrape-targets';
import { createServiceCatalog } from './services';
import { createPgMetricsActivities } from './pg-metrics';
import { createPgTopologyActivities } from './pg-topology';
import { createPgControlActivities } from './postgres-control';
import { createPgProbeActivities } from './postgres-probe';
import { createPgRejoinActivities } from './postgres-rejoin';

export interface ActivityClients {
  docker: Dockerode;
  /** Connected on first use, so a worker that never reads the registry never dials Redis. */
  redis: () => Cluster;
  close: () => Promise<void>;
}

export function createClients(config: WorkerConfig): ActivityClients {
  let redis: Cluster | undefined;
  return {
    docker: new Dockerode({ socketPath: config.dockerSocket }),
    redis: () => {
      redis ??= createRedisCluster({
        nodes: config.redisClusterNodes.split(',').map((hostPort) => {
          const [host, port] = hostPort.split(':');
          return { host, port: Number(port) };
        }),
        password: readSecret('REDIS_PASSWORD', process.env, config.secretsFile),
      });
      return redis;
    },
    close: async () => {
      await redis?.quit().catch(() => redis?.disconnect());
      redis = undefined;
    },
  };
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
    stackId: config.stateDir,
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
    ...createAutoscaleState(config),
    ...createInstanceMetrics(clients.redis),
    // PostgreSQL HA
    ...createPgProbeActivities(config),
    ...createPgControlActivities(config),
    ...createPgRejoinActivities(config),
    ...createPgTopologyActivities(config),
    ...createPgMetricsActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
