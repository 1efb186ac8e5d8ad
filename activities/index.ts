// Builds every activity from the clients it needs, so a test can hand in others.
import Dockerode from 'dockerode';
import type { Cluster } from 'ioredis';
import { createRedisCluster } from '../shared/redis-cluster';
import type { WorkerConfig } from '../config/worker-config';
import { createDockerOrchestrator } from './scaling/docker-orchestrator';
import { createAutoscaleState } from './scaling/autoscale-state';
import { waitForHealthy } from './scaling/health';
import { createInstanceMetrics } from './scaling/instance-metrics';
import { createInstanceAdmin } from './scaling/instance-admin';
import { checkServedThroughLoadBalancer } from './routing/load-balancer-check';
import { createNginxActivities, loadBalancerSettings } from './routing/nginx';
import { createHealthRouterActivities } from './routing/health-router';
import type { InstanceLaunchSettings, Orchestrator } from './scaling/orchestrator';
import { createProcessOrchestrator } from './scaling/process-orchestrator';
import type { OrchestratorDriver } from './scaling/orchestrator-choice';
import { createSwarmOrchestrator } from './scaling/swarm-orchestrator';
import { createScrapeTargetActivities } from './routing/scrape-targets';
import { createKubernetesApi, type KubernetesApi } from './scaling/kubernetes-api';
import type { DeploymentTarget } from './scaling/kubernetes-deployment';
import { createKubernetesOrchestrator } from './scaling/kubernetes-orchestrator';
import { createKubernetesRollout } from './scaling/kubernetes-rollout';
import { createKubernetesSteps } from './scaling/kubernetes-steps';
import { createServiceCatalog } from './scaling/services';
import { createPgMetricsActivities, type ReplicationLagGauge } from './postgres/pg-metrics';
import { createPgTopologyActivities } from './postgres/pg-topology';
import { createPgControlActivities } from './postgres/postgres-control';
import { createPgProbeActivities } from './postgres/postgres-probe';
import { createPgRejoinActivities } from './postgres/postgres-rejoin';
import { nodeAtPort, type RedisNodeLayout } from '../policy/redis/redis-node-address';
import { createRedisNodePool, type RedisNodePool } from './redis/redis-cluster-connections';
import { createRedisFailoverActivities } from './redis/redis-cluster-failover';
import { createRedisFixActivities } from './redis/redis-cluster-fix';
import { createRedisGhostActivities } from './redis/redis-ghosts';
import { createRedisSlotOwnerActivities } from './redis/redis-slot-owners';
import { createRedisMembershipActivities } from './redis/redis-cluster-membership';
import { createRedisMigrateActivities } from './redis/redis-cluster-migrate';
import { createRedisTopologyActivities } from './redis/redis-cluster-topology';

export interface ActivityClients {
  docker: Dockerode;
  /** One connection per Redis node, for the cluster topology operations. */
  redis: RedisNodePool;
  /** A cluster client for the instance registry, connected on first use. */
  cluster: () => Cluster;
  /** The Kubernetes API (ORCHESTRATOR=kubernetes), its kubeconfig loaded on first use. */
  kubernetes: () => KubernetesApi;
  close: () => Promise<void>;
}

export function createClients(config: WorkerConfig): ActivityClients {
  let cluster: Cluster | undefined;
  let kubernetes: KubernetesApi | undefined;
  const redis = createRedisNodePool(config.redisClusterNodes, config.redisPassword, (port) =>
    nodeAtPort({ hostTemplate: config.redisHost, basePort: config.redisBasePort }, port),
  );
  return {
    docker: new Dockerode({ socketPath: config.dockerSocket }),
    redis,
    cluster: () => {
      cluster ??= createRedisCluster({ nodes: config.redisClusterNodes, password: config.redisPassword });
      return cluster;
    },
    kubernetes: () => (kubernetes ??= createKubernetesApi(config.kubernetes)),
    // Open Redis connections would keep a stopped worker's process alive.
    close: async () => {
      await cluster?.quit().catch(() => cluster?.disconnect());
      cluster = undefined;
      await redis.close();
    },
  };
}

export function launchSettings(config: WorkerConfig): InstanceLaunchSettings {
  return {
    appDir: config.appDir,
    startupDelayMs: config.appStartupDelayMs,
    memoryLimitMb: config.instanceMemoryLimitMb,
    shutdownDeadlineMs: config.appShutdownDeadlineMs,
    redisClusterNodes: config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(','),
    databaseUrl: config.databaseUrl,
    readReplicaUrls: config.readReplicaUrls,
    secretsFile: config.appSecretsFile,
    instanceHost: config.appInstanceHost,
    stackId: config.stateDir,
  };
}

/** The Deployment of each service: K8S_DEPLOYMENT_NAME for the first, the service's own name for the others. */
export function deploymentTarget(config: WorkerConfig, clients: Pick<ActivityClients, 'kubernetes'>): DeploymentTarget {
  const k8s = config.kubernetes;
  return {
    get api() {
      return clients.kubernetes();
    },
    deploymentName: (service) => (service === config.services[0] ? k8s.deploymentName : service),
    containerName: k8s.containerName,
    services: config.services,
  };
}

export function createOrchestrator(driver: OrchestratorDriver, config: WorkerConfig, clients: ActivityClients): Orchestrator {
  if (driver === 'kubernetes') return createKubernetesOrchestrator(deploymentTarget(config, clients));
  if (driver === 'swarm') {
    return createSwarmOrchestrator(clients.docker, {
      ...launchSettings(config),
      image: config.appImage,
      basePort: config.appBasePort,
      shutdownGraceSeconds: Math.ceil(config.appShutdownDeadlineMs / 1000) + 5,
      swarmServiceName: (service) => (service === config.services[0] ? config.dockerServiceName : service),
    });
  }
  return driver === 'docker'
    ? createDockerOrchestrator(clients.docker, { ...launchSettings(config), image: config.appImage })
    : createProcessOrchestrator({ ...launchSettings(config), logDir: config.logDir });
}

/** Metrics some activities report, exported by the worker on its own registry; absent ones are not reported. */
export interface ActivityMetrics {
  replicationLag?: ReplicationLagGauge;
}

/** `driver` is the resolved orchestrator (see chooseOrchestrator), never "auto". */
export function createActivities(
  config: WorkerConfig,
  driver: OrchestratorDriver,
  clients: ActivityClients = createClients(config),
  metrics: ActivityMetrics = {},
) {
  const activities = {
    ...createServiceCatalog(config),
    ...createOrchestrator(driver, config, clients),
    waitForHealthy,
    ...createNginxActivities(loadBalancerSettings(config)),
    ...createHealthRouterActivities(config),
    checkServedThroughLoadBalancer,
    ...createInstanceAdmin({ adminToken: config.adminToken }),
    ...createScrapeTargetActivities(config.prometheusTargetsDir),
    ...createAutoscaleState(config),
    ...createInstanceMetrics(clients.cluster),
    // PostgreSQL HA
    ...createPgProbeActivities(config),
    ...createPgControlActivities(config),
    ...createPgRejoinActivities(config),
    ...createPgTopologyActivities(config),
    ...createPgMetricsActivities(metrics.replicationLag),
    // Redis Cluster topology
    ...createRedisTopologyActivities(clients.redis),
    ...createRedisMigrateActivities(clients.redis),
    ...createRedisMembershipActivities(clients.redis, {
      manageScript: config.redisManageScript,
      redisStateDir: config.redisStateDir,
      stateDir: config.stateDir,
      host: config.redisHost,
      basePort: config.redisBasePort,
    }),
    ...createRedisFailoverActivities(clients.redis),
    ...createRedisFixActivities(clients.redis),
    ...createRedisGhostActivities(clients.redis),
    ...createRedisSlotOwnerActivities(clients.redis),
    /** Where the stack's own nodes live (REDIS_HOST, REDIS_BASE_PORT): its six base nodes are never removed. */
    async redisClusterSettings(): Promise<RedisNodeLayout> {
      return { hostTemplate: config.redisHost, basePort: config.redisBasePort };
    },
    ...createKubernetesRollout(deploymentTarget(config, clients)),
  };
  if (driver !== 'kubernetes') return activities;
  // Same names, same signatures: the workflows run unchanged on Kubernetes (kubernetes-steps.ts).
  return { ...activities, ...createKubernetesSteps(deploymentTarget(config, clients), activities.describeService) };
}

export type Activities = ReturnType<typeof createActivities>;
