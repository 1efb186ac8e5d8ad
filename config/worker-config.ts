// The worker's configuration, parsed and validated in one place. A bad value stops
// start-up with a message that names the variable.
import path from 'node:path';
import { z } from 'zod';
import { readSecret } from './secrets';
import type { AutoscaleConfig } from '../policy/scaling/autoscale';
import { AUTOSCALE_DEFAULTS, validateAutoscaleConfig } from '../policy/scaling/autoscale-config';
import { SERVICE_NAME_PATTERN, TASK_QUEUE, NAMESPACE } from '../contracts/common/names';
import { HEALTH_ROUTER_DEFAULTS, type HealthRouterSettings } from '../policy/routing/health-router';
import { validateHealthRouterSettings } from '../policy/routing/health-router-input';

const repoRoot = path.resolve(__dirname, '..', '..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = () => z.coerce.number({ error: 'must be a number' });

/** Instances get URLs without passwords; they read PG_APP_PASSWORD from the secrets file. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

/** Each HEALTH_ROUTER_* variable and the router setting it sets. */
export const HEALTH_ROUTER_ENV: Record<string, keyof HealthRouterSettings> = {
  HEALTH_ROUTER_PROBE_INTERVAL: 'probeIntervalSeconds',
  HEALTH_ROUTER_PROBE_TIMEOUT_MS: 'probeTimeoutMs',
  HEALTH_ROUTER_FAILURE_THRESHOLD: 'failureThreshold',
  HEALTH_ROUTER_OPEN_SECONDS: 'openSeconds',
  HEALTH_ROUTER_RECOVERY_PROBES: 'recoveryProbes',
  HEALTH_ROUTER_RAMP_SECONDS: 'rampSeconds',
  HEALTH_ROUTER_FULL_WEIGHT: 'fullWeight',
  HEALTH_ROUTER_RELOAD_INTERVAL: 'reloadIntervalSeconds',
  HEALTH_ROUTER_MAX_ERROR_RATE: 'maxErrorRate',
  HEALTH_ROUTER_MIN_REQUESTS: 'minRequests',
  HEALTH_ROUTER_MAX_EJECTED_PERCENT: 'maxEjectedPercent',
  HEALTH_ROUTER_ROUNDS_PER_RUN: 'roundsPerRun',
};

const schema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^127\.0\.0\.1:\d+$|^localhost:\d+$/, 'must be a loopback host:port such as 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default(NAMESPACE),
  TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  JARVIS_STATE_DIR: z.string().min(1).default(path.join(repoRoot, '.state')),
  SERVICES: z
    .string()
    .default('jarvis-app')
    .refine((v) => v.split(',').every((s) => SERVICE_NAME_PATTERN.test(s.trim())), 'must be a comma-separated list of service names'),
  ORCHESTRATOR: z.enum(['auto', 'docker', 'process', 'swarm']).default('auto'),
  /** The Swarm service that runs the first service's instances (ORCHESTRATOR=swarm); other services use their own name. */
  DOCKER_SERVICE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be a Docker service name such as jarvis-app')
    .optional(),
  MIN_INSTANCES: int(0, 100).default(AUTOSCALE_DEFAULTS.minInstances),
  MAX_INSTANCES: int(1, 100).default(AUTOSCALE_DEFAULTS.maxInstances),
  AUTOSCALE_ENABLED: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  SCALE_UP_THRESHOLD: num().default(AUTOSCALE_DEFAULTS.scaleUpThreshold),
  SCALE_DOWN_THRESHOLD: num().default(AUTOSCALE_DEFAULTS.scaleDownThreshold),
  COOLDOWN_PERIOD: num().default(AUTOSCALE_DEFAULTS.cooldownSeconds),
  CHECK_INTERVAL: num().default(AUTOSCALE_DEFAULTS.checkIntervalSeconds),
  TARGET_CPU: num().default(AUTOSCALE_DEFAULTS.targetCPU),
  TARGET_MEMORY: num().default(AUTOSCALE_DEFAULTS.targetMemory),
  TARGET_REQUEST_RATE: num().default(AUTOSCALE_DEFAULTS.targetRequestRate),
  STABILIZATION_WINDOW: num().default(AUTOSCALE_DEFAULTS.stabilizationWindowSeconds),
  SCALE_STEP: num().default(AUTOSCALE_DEFAULTS.maxStep),
  METRIC_MAX_AGE: num().default(AUTOSCALE_DEFAULTS.metricMaxAgeSeconds),
  DRAIN_TIMEOUT: num().default(30),
  DATABASE_URL: z.string().url().optional(),
  READ_REPLICA_1_URL: z.string().url().optional(),
  READ_REPLICA_2_URL: z.string().url().optional(),
  APP_SHUTDOWN_DEADLINE_MS: int(0, 600_000).default(30_000),
  APP_BASE_PORT: int(1024, 60000).default(3100),
  APP_IMAGE: z.string().min(1).default('jarvis-app:local'),
  APP_DIR: z.string().min(1).default(repoRoot),
  APP_VERSION: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,40}$/)
    .default('v1'),
  APP_STARTUP_DELAY_MS: int(0, 600_000).default(500),
  NGINX_BIN: z.string().min(1).default('/usr/sbin/nginx'),
  NGINX_PORT: int(1, 65535).default(8080),
  DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  WORKER_METRICS_PORT: int(0, 65535).default(9464),
  // PostgreSQL HA (pgFailover, pgSwitchover, pgMonitor)
  PG_PRIMARY_PORT: int(1, 65535).default(5432),
  PG_REPLICA1_PORT: int(1, 65535).default(5433),
  PG_REPLICA2_PORT: int(1, 65535).default(5434),
  PG_BIN: z.string().min(1).default('/usr/lib/postgresql/15/bin'),
  PG_DATA_ROOT: z.string().min(1).optional(),
  PG_SOCKET_DIR: z.string().min(1).optional(),
  PG_SUPERUSER_PASSWORD: z.string().default(''),
  PG_PROBE_TIMEOUT_MS: int(100, 30_000).default(1000),
  PG_MONITOR_SCHEDULE: z.enum(['on', 'off']).default('on'),
  PG_MONITOR_INTERVAL_SECONDS: int(1, 3600).default(2),
  REDIS_BASE_PORT: int(1024, 55535).default(7000),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(
      /^(127\.\d+\.\d+\.\d+:\d+)(,127\.\d+\.\d+\.\d+:\d+)*$/,
      'must be a comma-separated list of loopback host:port such as 127.0.0.1:7000,127.0.0.1:7001',
    )
    .optional(),
  REDIS_PASSWORD: z.string().default(''),
  REDIS_MANAGE_SCRIPT: z
    .string()
    .min(1)
    .default(path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh')),
  /** The Temporal SDK runtime's own Prometheus endpoint (0: off); default WORKER_METRICS_PORT + 1 (9465), so stacks on other ports do not collide. */
  WORKER_SDK_METRICS_PORT: int(0, 65535).optional(),
  /** The admin HTTP API (admin-api/main.ts), loopback only. */
  ADMIN_API_PORT: int(0, 65535).default(3000),
  // The health router (workflow healthRouter, one per service); bounds in policy/routing/health-router-input.ts
  HEALTH_ROUTER_ENABLED: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  ...Object.fromEntries(Object.entries(HEALTH_ROUTER_ENV).map(([env, field]) => [env, num().default(HEALTH_ROUTER_DEFAULTS[field])])),
});

export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  stateDir: string;
  services: string[];
  orchestrator: 'auto' | 'docker' | 'process' | 'swarm';
  /** DOCKER_SERVICE_NAME, when set. */
  dockerServiceName?: string;
  minInstances: number;
  maxInstances: number;
  autoscaleEnabled: boolean;
  autoscale: AutoscaleConfig;
  drainTimeoutSeconds: number;
  databaseUrl: string;
  readReplicaUrls: string[];
  secretsFile: string;
  /** The app instances' own secrets (infra/local/common.sh write_app_secrets): no control-plane password in it. */
  appSecretsFile: string;
  logDir: string;
  appShutdownDeadlineMs: number;
  /** Held by the worker's activities only; never passed to a workflow. */
  adminToken: string;
  appBasePort: number;
  appImage: string;
  appDir: string;
  appVersion: string;
  appStartupDelayMs: number;
  nginxBin: string;
  nginxPrefix: string;
  nginxPort: number;
  prometheusTargetsDir: string;
  dockerSocket: string;
  workerMetricsPort: number;
  postgres: PgSettings;
  redis: { nodes: Array<{ host: string; port: number }>; password: string };
  /** Seed nodes of the Redis Cluster; REDIS_BASE_PORT..+5 when REDIS_CLUSTER_NODES is not set. */
  redisClusterNodes: Array<{ host: string; port: number }>;
  redisBasePort: number;
  /** Only read by activities; never put in a workflow input, result or log. */
  redisPassword: string;
  redisManageScript: string;
  redisStateDir: string;
  workerSdkMetricsPort: number;
  adminApiPort: number;
  /** Whether the worker starts healthRouter for each service when it starts (HEALTH_ROUTER_ENABLED). */
  healthRouterEnabled: boolean;
  /** The defaults a healthRouter run uses where its input sets nothing. */
  healthRouter: HealthRouterSettings;
}

export interface PgSettings {
  ports: { primary: number; replica1: number; replica2: number };
  bin: string;
  dataRoot: string;
  socketDir: string;
  /** The replicator's libpq passfile written by infra/postgres (never the password itself in a conninfo). */
  replicationPassfile: string;
  logDir: string;
  /** From the environment (secrets.env); never put in a workflow input or a log. */
  superuserPassword: string;
  probeTimeoutMs: number;
  monitorSchedule: boolean;
  monitorIntervalSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')} ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
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
    cooldownSeconds: e.COOLDOWN_PERIOD,
    checkIntervalSeconds: e.CHECK_INTERVAL,
    stabilizationWindowSeconds: e.STABILIZATION_WINDOW,
    maxStep: e.SCALE_STEP,
    metricMaxAgeSeconds: e.METRIC_MAX_AGE,
  });
  if (!autoscale.ok) {
    const names: Record<string, string> = {
      scaleUpThreshold: 'SCALE_UP_THRESHOLD',
      scaleDownThreshold: 'SCALE_DOWN_THRESHOLD',
      cooldownSeconds: 'COOLDOWN_PERIOD',
      checkIntervalSeconds: 'CHECK_INTERVAL',
      targetCPU: 'TARGET_CPU',
      targetMemory: 'TARGET_MEMORY',
      targetRequestRate: 'TARGET_REQUEST_RATE',
      stabilizationWindowSeconds: 'STABILIZATION_WINDOW',
      maxStep: 'SCALE_STEP',
      metricMaxAgeSeconds: 'METRIC_MAX_AGE',
    };
    const problems = autoscale.problems.map((p) =>
      Object.entries(names).reduce((text, [field, env]) => text.replace(field, `${env} (${field})`), p),
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const routerFields = Object.fromEntries(
    Object.entries(HEALTH_ROUTER_ENV).map(([env, field]) => [field, (e as Record<string, unknown>)[env]]),
  );
  const healthRouter = validateHealthRouterSettings(routerFields as unknown as HealthRouterSettings);
  if (!healthRouter.ok) {
    const problems = healthRouter.problems.map((p) =>
      Object.entries(HEALTH_ROUTER_ENV).reduce((text, [env, field]) => text.replace(new RegExp(`^${field}\\b`), `${env} (${field})`), p),
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const pgUrl = (port: number) => `postgresql://jarvis@127.0.0.1:${port}/jarvis`;
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    stateDir: e.JARVIS_STATE_DIR,
    services: e.SERVICES.split(',').map((s) => s.trim()),
    orchestrator: e.ORCHESTRATOR,
    dockerServiceName: e.DOCKER_SERVICE_NAME,
    minInstances: e.MIN_INSTANCES,
    maxInstances: e.MAX_INSTANCES,
    autoscaleEnabled: e.AUTOSCALE_ENABLED === 'true',
    autoscale: autoscale.value,
    drainTimeoutSeconds: e.DRAIN_TIMEOUT,
    databaseUrl: withoutPassword(e.DATABASE_URL ?? pgUrl(e.PG_PRIMARY_PORT)),
    readReplicaUrls: [e.READ_REPLICA_1_URL ?? pgUrl(e.PG_REPLICA1_PORT), e.READ_REPLICA_2_URL ?? pgUrl(e.PG_REPLICA2_PORT)].map(
      withoutPassword,
    ),
    secretsFile: path.join(e.JARVIS_STATE_DIR, 'secrets.env'),
    appSecretsFile: path.join(e.JARVIS_STATE_DIR, 'app-secrets.env'),
    logDir: path.join(e.JARVIS_STATE_DIR, 'logs'),
    appShutdownDeadlineMs: e.APP_SHUTDOWN_DEADLINE_MS,
    adminToken: readSecret('ADMIN_TOKEN', env, path.join(e.JARVIS_STATE_DIR, 'secrets.env')),
    appBasePort: e.APP_BASE_PORT,
    appImage: e.APP_IMAGE,
    appDir: e.APP_DIR,
    appVersion: e.APP_VERSION,
    appStartupDelayMs: e.APP_STARTUP_DELAY_MS,
    nginxBin: e.NGINX_BIN,
    nginxPrefix: path.join(e.JARVIS_STATE_DIR, 'nginx'),
    nginxPort: e.NGINX_PORT,
    prometheusTargetsDir: path.join(e.JARVIS_STATE_DIR, 'prometheus', 'targets'),
    dockerSocket: e.DOCKER_SOCKET,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    redisClusterNodes: (e.REDIS_CLUSTER_NODES ?? [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${e.REDIS_BASE_PORT + i}`).join(','))
      .split(',')
      .map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })),
    redisBasePort: e.REDIS_BASE_PORT,
    redisPassword: e.REDIS_PASSWORD || readSecret('REDIS_PASSWORD', {}, path.join(e.JARVIS_STATE_DIR, 'secrets.env')),
    redisManageScript: e.REDIS_MANAGE_SCRIPT,
    redisStateDir: path.join(e.JARVIS_STATE_DIR, 'redis'),
    workerSdkMetricsPort: e.WORKER_SDK_METRICS_PORT ?? (e.WORKER_METRICS_PORT > 0 ? e.WORKER_METRICS_PORT + 1 : 0),
    adminApiPort: e.ADMIN_API_PORT,
    healthRouterEnabled: e.HEALTH_ROUTER_ENABLED === 'true',
    healthRouter: healthRouter.value,
    postgres: pgSettings(e),
    redis: {
      nodes: (e.REDIS_CLUSTER_NODES ?? [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${e.REDIS_BASE_PORT + i}`).join(','))
        .split(',')
        .map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })),
      password: e.REDIS_PASSWORD || readSecret('REDIS_PASSWORD', {}, path.join(e.JARVIS_STATE_DIR, 'secrets.env')),
    },
  };
}

function pgSettings(e: z.output<typeof schema>): PgSettings {
  const dataRoot = e.PG_DATA_ROOT ?? path.join(e.JARVIS_STATE_DIR, 'postgres');
  return {
    ports: { primary: e.PG_PRIMARY_PORT, replica1: e.PG_REPLICA1_PORT, replica2: e.PG_REPLICA2_PORT },
    bin: e.PG_BIN,
    dataRoot,
    socketDir: e.PG_SOCKET_DIR ?? path.join(dataRoot, 'sockets'),
    replicationPassfile: path.join(dataRoot, 'replicator.pgpass'),
    logDir: path.join(e.JARVIS_STATE_DIR, 'logs'),
    superuserPassword: e.PG_SUPERUSER_PASSWORD || readSecret('PG_SUPERUSER_PASSWORD', {}, path.join(e.JARVIS_STATE_DIR, 'secrets.env')),
    probeTimeoutMs: e.PG_PROBE_TIMEOUT_MS,
    monitorSchedule: e.PG_MONITOR_SCHEDULE === 'on',
    monitorIntervalSeconds: e.PG_MONITOR_INTERVAL_SECONDS,
  };
}
