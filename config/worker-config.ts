// The worker's configuration, parsed and validated in one place (schema: worker-env-schema.ts).
// A bad value stops start-up with a message that names the variable and never echoes a secret.
import path from 'node:path';
import type { AutoscaleConfig } from '../policy/scaling/autoscale';
import { validateAutoscaleConfig } from '../policy/scaling/autoscale-config';
import type { HealthRouterSettings } from '../policy/routing/health-router';
import { validateHealthRouterSettings } from '../policy/routing/health-router-input';
import { address } from '../policy/redis/redis-cluster-view';
import { baseNodes } from '../policy/redis/redis-node-address';
import { parseHostPortList, type HostPort } from '../shared/host-address';
import { ConfigError, configErrorFromIssues } from './config-error';
import { readSecret } from './secrets';
import { readTemporalSettings } from './temporal-settings';
import { HEALTH_ROUTER_ENV } from './worker-env-health-router';
import { workerEnvSchema, type WorkerEnv } from './worker-env-schema';
import type { PgSettings, WorkerConfig } from './worker-config-types';

export { ConfigError } from './config-error';
export { HEALTH_ROUTER_ENV } from './worker-env-health-router';
export type { KubernetesSettings, PgSettings, WorkerConfig } from './worker-config-types';

/** Each autoscale setting and the variable that sets it, to name the variable in a message. */
export const AUTOSCALE_ENV: Record<string, string> = {
  scaleUpThreshold: 'SCALE_UP_THRESHOLD',
  scaleDownThreshold: 'SCALE_DOWN_THRESHOLD',
  tolerance: 'SCALE_TOLERANCE',
  cooldownSeconds: 'COOLDOWN_PERIOD',
  checkIntervalSeconds: 'CHECK_INTERVAL',
  targetCPU: 'TARGET_CPU',
  targetMemory: 'TARGET_MEMORY',
  targetRequestRate: 'TARGET_REQUEST_RATE',
  stabilizationWindowSeconds: 'STABILIZATION_WINDOW',
  maxStep: 'SCALE_STEP',
  metricMaxAgeSeconds: 'METRIC_MAX_AGE',
};

/** Instances get URLs without passwords; they read PG_APP_PASSWORD from the secrets file. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

function autoscaleSettings(e: WorkerEnv): AutoscaleConfig {
  if (e.MAX_INSTANCES < e.MIN_INSTANCES) {
    throw new ConfigError(`invalid configuration: MAX_INSTANCES (${e.MAX_INSTANCES}) must not be below MIN_INSTANCES (${e.MIN_INSTANCES})`);
  }
  const autoscale = validateAutoscaleConfig({
    minInstances: e.MIN_INSTANCES,
    maxInstances: e.MAX_INSTANCES,
    targetCPU: e.TARGET_CPU,
    targetMemory: e.TARGET_MEMORY,
    targetRequestRate: e.TARGET_REQUEST_RATE,
    scaleUpThreshold: e.SCALE_UP_THRESHOLD,
    scaleDownThreshold: e.SCALE_DOWN_THRESHOLD,
    tolerance: e.SCALE_TOLERANCE,
    cooldownSeconds: e.COOLDOWN_PERIOD,
    checkIntervalSeconds: e.CHECK_INTERVAL,
    stabilizationWindowSeconds: e.STABILIZATION_WINDOW,
    maxStep: e.SCALE_STEP,
    metricMaxAgeSeconds: e.METRIC_MAX_AGE,
  });
  if (autoscale.ok) return autoscale.value;
  const problems = autoscale.problems.map((p) =>
    Object.entries(AUTOSCALE_ENV).reduce((text, [field, env]) => text.replace(field, `${env} (${field})`), p),
  );
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

function healthRouterSettings(e: WorkerEnv): HealthRouterSettings {
  const fields = Object.fromEntries(Object.entries(HEALTH_ROUTER_ENV).map(([env, field]) => [field, (e as Record<string, unknown>)[env]]));
  const healthRouter = validateHealthRouterSettings(fields as unknown as HealthRouterSettings);
  if (healthRouter.ok) return healthRouter.value;
  const problems = healthRouter.problems.map((p) =>
    Object.entries(HEALTH_ROUTER_ENV).reduce((text, [env, field]) => text.replace(new RegExp(`^${field}\\b`), `${env} (${field})`), p),
  );
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

function pgSettings(e: WorkerEnv, secretsFile: string): PgSettings {
  const dataRoot = e.PG_DATA_ROOT ?? path.join(e.JARVIS_STATE_DIR, 'postgres');
  return {
    ports: { primary: e.PG_PRIMARY_PORT, replica1: e.PG_REPLICA1_PORT, replica2: e.PG_REPLICA2_PORT },
    hosts: { primary: e.PG_PRIMARY_HOST, replica1: e.PG_REPLICA1_HOST, replica2: e.PG_REPLICA2_HOST },
    bin: e.PG_BIN,
    dataRoot,
    socketDir: e.PG_SOCKET_DIR ?? path.join(dataRoot, 'sockets'),
    replicationPassfile: path.join(dataRoot, 'replicator.pgpass'),
    logDir: path.join(e.JARVIS_STATE_DIR, 'logs'),
    superuserPassword: e.PG_SUPERUSER_PASSWORD || readSecret('PG_SUPERUSER_PASSWORD', {}, secretsFile),
    probeTimeoutMs: e.PG_PROBE_TIMEOUT_MS,
    monitorEnabled: e.PG_MONITOR_ENABLED === 'true',
    monitorProbeIntervalMs: e.PG_MONITOR_PROBE_INTERVAL_MS,
  };
}

function redisSettings(e: WorkerEnv, secretsFile: string) {
  const seeds = e.REDIS_CLUSTER_NODES ?? baseNodes({ hostTemplate: e.REDIS_HOST, basePort: e.REDIS_BASE_PORT }).map(address).join(',');
  // The schema checked every item, so each parses; a copy per caller, since ioredis may keep what it is given.
  const nodes = () => (parseHostPortList(seeds) as HostPort[]).map((n) => ({ ...n }));
  const password = e.REDIS_PASSWORD || readSecret('REDIS_PASSWORD', {}, secretsFile);
  return {
    redisClusterNodes: nodes(),
    redisBasePort: e.REDIS_BASE_PORT,
    redisHost: e.REDIS_HOST,
    redisPassword: password,
    redisManageScript: e.REDIS_MANAGE_SCRIPT,
    redisStateDir: path.join(e.JARVIS_STATE_DIR, 'redis'),
    redis: { nodes: nodes(), password },
  };
}

function databaseUrls(e: WorkerEnv) {
  const pgUrl = (host: string, port: number) => `postgresql://jarvis@${host}:${port}/jarvis`;
  return {
    databaseUrl: withoutPassword(e.DATABASE_URL ?? pgUrl(e.PG_PRIMARY_HOST, e.PG_PRIMARY_PORT)),
    readReplicaUrls: [
      e.READ_REPLICA_1_URL ?? pgUrl(e.PG_REPLICA1_HOST, e.PG_REPLICA1_PORT),
      e.READ_REPLICA_2_URL ?? pgUrl(e.PG_REPLICA2_HOST, e.PG_REPLICA2_PORT),
    ].map(withoutPassword),
  };
}

function instanceSettings(e: WorkerEnv) {
  return {
    appShutdownDeadlineMs: e.APP_SHUTDOWN_DEADLINE_MS,
    appBasePort: e.APP_BASE_PORT,
    appInstanceHost: e.APP_INSTANCE_HOST,
    appImage: e.APP_IMAGE,
    appDir: e.APP_DIR,
    appVersion: e.APP_VERSION,
    appStartupDelayMs: e.APP_STARTUP_DELAY_MS,
    instanceMemoryLimitMb: e.INSTANCE_MEMORY_LIMIT_MB,
    prometheusUrl: e.PROMETHEUS_URL.replace(/\/$/, ''),
    nginxBin: e.NGINX_BIN,
    nginxPrefix: path.join(e.JARVIS_STATE_DIR, 'nginx'),
    loadBalancer: e.LOAD_BALANCER,
    haproxySocket: e.HAPROXY_SOCKET ?? path.join(e.JARVIS_STATE_DIR, 'haproxy', 'haproxy.sock'),
    nginxHost: e.NGINX_HOST,
    nginxPort: e.NGINX_PORT,
    prometheusTargetsDir: path.join(e.JARVIS_STATE_DIR, 'prometheus', 'targets'),
    dockerSocket: e.DOCKER_SOCKET,
  };
}

export function readWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = workerEnvSchema.safeParse(env);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues, env);
  const e = parsed.data;
  const secretsFile = path.join(e.JARVIS_STATE_DIR, 'secrets.env');
  const temporal = readTemporalSettings(env);
  return {
    temporal,
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue: e.TASK_QUEUE,
    stateDir: e.JARVIS_STATE_DIR,
    services: e.SERVICES.split(',').map((s) => s.trim()),
    orchestrator: e.ORCHESTRATOR,
    dockerServiceName: e.DOCKER_SERVICE_NAME,
    kubernetes: {
      deploymentName: e.K8S_DEPLOYMENT_NAME,
      namespace: e.K8S_NAMESPACE,
      kubeconfig: e.KUBECONFIG,
      containerName: e.K8S_CONTAINER_NAME,
    },
    minInstances: e.MIN_INSTANCES,
    maxInstances: e.MAX_INSTANCES,
    autoscaleEnabled: e.AUTOSCALE_ENABLED === 'true',
    autoscale: autoscaleSettings(e),
    drainTimeoutSeconds: e.DRAIN_TIMEOUT,
    ...databaseUrls(e),
    secretsFile,
    appSecretsFile: path.join(e.JARVIS_STATE_DIR, 'app-secrets.env'),
    logDir: path.join(e.JARVIS_STATE_DIR, 'logs'),
    adminToken: readSecret('ADMIN_TOKEN', env, secretsFile),
    ...instanceSettings(e),
    workerMetricsHost: e.WORKER_METRICS_HOST,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerSdkMetricsPort: e.WORKER_SDK_METRICS_PORT ?? (e.WORKER_METRICS_PORT > 0 ? e.WORKER_METRICS_PORT + 1 : 0),
    adminApiHost: e.ADMIN_API_HOST,
    adminApiPort: e.ADMIN_API_PORT,
    healthRouterEnabled: e.HEALTH_ROUTER_ENABLED === 'true',
    healthRouter: healthRouterSettings(e),
    postgres: pgSettings(e, secretsFile),
    ...redisSettings(e, secretsFile),
  };
}
