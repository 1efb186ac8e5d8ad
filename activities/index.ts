// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './docker-orchestrator';
import { waitForHealthy } from './health';
import { checkServedThroughLoadBalancer } from './load-balancer-check';
import { createNginxActivities } from './nginx';
import { createScrapeTargetActivities } from './scrape-targets';
import { createServiceCatalog } from './services';
import { createRedisNodePool, type RedisNodePool } from './redis-cluster-connections';
import { createRedisFailoverActivities } from './redis-cluster-failover';
import { createRedisFixActivities } from './redis-cluster-fix';
import { createRedisMembershipActivities } from './redis-cluster-membership';
import { createRedisMigrateActivities } from './redis-cluster-migrate';
import { createRedisTopologyActivities } from './redis-cluster-topology';

export interface ActivityClients {
  docker: Dockerode;
  redis: RedisNodePool;
}

export function createClients(config: WorkerConfig): ActivityClients {
  return {
    docker: new Dockerode({ socketPath: config.dockerSocket }),
    redis: createRedisNodePool(config.redisClusterNodes, config.redisPassword),
  };
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
    ...createRedisTopologyActivities(clients.redis),
    ...createRedisMigrateActivities(clients.redis),
    ...createRedisMembershipActivities(clients.redis, {
      manageScript: config.redisManageScript,
      redisStateDir: config.redisStateDir,
      stateDir: config.stateDir,
      basePort: config.redisBasePort,
    }),
    ...createRedisFailoverActivities(clients.redis),
    ...createRedisFixActivities(clients.redis),
    /** The base cluster's first port: nodes REDIS_BASE_PORT..+5 are never removed. */
    async redisClusterSettings(): Promise<{ basePort: number }> {
      return { basePort: config.redisBasePort };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
