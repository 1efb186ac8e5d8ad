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
  REDIS_BASE_PORT: int(1024, 55535).default(7000),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^(127\.\d+\.\d+\.\d+:\d+)(,127\.\d+\.\d+\.\d+:\d+)*$/, 'must be a comma-separated list of loopback host:port such as 127.0.0.1:7000,127.0.0.1:7001')
    .optional(),
  REDIS_PASSWORD: z.string().default(''),
  REDIS_MANAGE_SCRIPT: z.string().min(1).default(path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh')),
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
  /** Seed nodes of the Redis Cluster; REDIS_BASE_PORT..+5 when REDIS_CLUSTER_NODES is not set. */
  redisClusterNodes: Array<{ host: string; port: number }>;
  redisBasePort: number;
  /** Only read by activities; never put in a workflow input, result or log. */
  redisPassword: string;
  redisManageScript: string;
  redisStateDir: string;
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
    redisClusterNodes: (e.REDIS_CLUSTER_NODES ?? [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${e.REDIS_BASE_PORT + i}`).join(','))
      .split(',')
      .map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })),
    redisBasePort: e.REDIS_BASE_PORT,
    redisPassword: e.REDIS_PASSWORD,
    redisManageScript: e.REDIS_MANAGE_SCRIPT,
    redisStateDir: path.join(e.JARVIS_STATE_DIR, 'redis'),
  };
}
