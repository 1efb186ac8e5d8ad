// The worker's configuration, parsed and validated in one place. A bad value stops
// start-up with a message that names the variable.
import path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAME_PATTERN, TASK_QUEUE, NAMESPACE } from '../policy/names';

const repoRoot = path.resolve(__dirname, '..', '..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^127\.0\.0\.1:\d+$|^localhost:\d+$/, 'must be a loopback host:port such as 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default(NAMESPACE),
  TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  JARVIS_STATE_DIR: z.string().min(1).default(path.join(repoRoot, '.state')),
  SERVICES: z
    .string()
    .default('jarvis-app')
    .refine((v) => v.split(',').every((s) => SERVICE_NAME_PATTERN.test(s.trim())), 'must be a comma-separated list of service names'),
  ORCHESTRATOR: z.enum(['docker']).default('docker'),
  MIN_INSTANCES: int(0, 100).default(3),
  MAX_INSTANCES: int(1, 100).default(10),
  APP_BASE_PORT: int(1024, 60000).default(3100),
  APP_IMAGE: z.string().min(1).default('jarvis-app:local'),
  APP_DIR: z.string().min(1).default(repoRoot),
  APP_VERSION: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/).default('v1'),
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
  REDIS_BASE_PORT: int(1, 65535).default(7000),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^(127\.0\.0\.1|localhost):\d+(,(127\.0\.0\.1|localhost):\d+)*$/, 'must be a comma-separated list of loopback host:port such as 127.0.0.1:7000,127.0.0.1:7001')
    .optional(),
  REDIS_PASSWORD: z.string().default(''),
});

export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  stateDir: string;
  services: string[];
  orchestrator: 'docker';
  minInstances: number;
  maxInstances: number;
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
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.MAX_INSTANCES < e.MIN_INSTANCES) {
    throw new ConfigError(`invalid configuration: MAX_INSTANCES (${e.MAX_INSTANCES}) must not be below MIN_INSTANCES (${e.MIN_INSTANCES})`);
  }
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    stateDir: e.JARVIS_STATE_DIR,
    services: e.SERVICES.split(',').map((s) => s.trim()),
    orchestrator: e.ORCHESTRATOR,
    minInstances: e.MIN_INSTANCES,
    maxInstances: e.MAX_INSTANCES,
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
    postgres: pgSettings(e),
    redis: {
      nodes: (e.REDIS_CLUSTER_NODES ?? [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${e.REDIS_BASE_PORT + i}`).join(','))
        .split(',')
        .map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })),
      password: e.REDIS_PASSWORD,
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
    superuserPassword: e.PG_SUPERUSER_PASSWORD,
    probeTimeoutMs: e.PG_PROBE_TIMEOUT_MS,
    monitorSchedule: e.PG_MONITOR_SCHEDULE === 'on',
    monitorIntervalSeconds: e.PG_MONITOR_INTERVAL_SECONDS,
  };
}
