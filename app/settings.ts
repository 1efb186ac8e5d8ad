// The instance's configuration, parsed and validated in one place. Secrets come from the
// environment or else from the KEY=VALUE file named by JARVIS_SECRETS_FILE. A bad value
// stops start-up with a message that names the variable (never its value when secret).
import { z } from 'zod';
import { HOST_EXAMPLES, isHost, parseHostPortList, postgresUrlHost, type HostPort } from '../shared/host-address';
import { readSecretsFile } from './lib/secrets-file';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
// The URL is never echoed: it may hold a password.
const postgresUrl = z.string().superRefine((v, ctx) => {
  const parsed = postgresUrlHost(v);
  if ('problem' in parsed)
    ctx.addIssue({ code: 'custom', message: `must be a URL like postgres://user@db-host:5432/database: it ${parsed.problem}` });
});

/** The instance's environment; exported for the configuration reference (docs/configuration.md). */
export const appEnvSchema = z.object({
  PORT: int(1, 65535).describe('where the instance listens; under Swarm it comes from APP_BASE_PORT + INSTANCE_SLOT'),
  HOST: z
    .string()
    .refine(isHost, `must be ${HOST_EXAMPLES} (0.0.0.0: every interface)`)
    .default('127.0.0.1')
    .describe('the address the instance listens on, any host; `0.0.0.0` listens on every interface'),
  INSTANCE_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
    .describe('the registry id and the `x-instance-id` header'),
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
    .default('jarvis-app')
    .describe("the registry's hash tag and the nginx upstream"),
  APP_VERSION: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be 1-40 letters, digits, dots, dashes or underscores')
    .default('v1')
    .describe('the version this instance reports'),
  STARTUP_DELAY_MS: int(0, 3_600_000)
    .default(500)
    .describe('readiness is held back at least this long (tests simulate a slow boot with it)'),
  SHUTDOWN_DEADLINE_MS: int(0, 3_600_000).default(30_000).describe('past it a shutdown exits anyway (code 1) and logs what it cut off'),
  REDIS_CLUSTER_NODES: z
    .string()
    .default('127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003,127.0.0.1:7004,127.0.0.1:7005')
    .superRefine((v, ctx) => {
      const parsed = parseHostPortList(v);
      if ('problem' in parsed && !parsed.problem.includes('@'))
        ctx.addIssue({ code: 'custom', message: `must be host:port,…: ${parsed.problem}` });
      else if ('problem' in parsed)
        ctx.addIssue({ code: 'custom', message: 'must be host:port,… (an item has credentials or a malformed host)' });
    })
    .describe('the Redis Cluster seed nodes, comma-separated `host:port`, any host (`redis-1:7000,redis-2:7001,…`)'),
  DATABASE_URL: postgresUrl
    .default('postgres://jarvis@127.0.0.1:5432/jarvis')
    .describe('the primary until a topology is published; user and database for every server'),
  READ_REPLICA_1_URL: postgresUrl.default('postgres://jarvis@127.0.0.1:5433/jarvis').describe('a replica until a topology is published'),
  READ_REPLICA_2_URL: postgresUrl.default('postgres://jarvis@127.0.0.1:5434/jarvis').describe('a replica until a topology is published'),
  // The instance's own Redis ACL user (infra/redis/lib.sh), limited to its key commands
  // on jarvis:* keys; the control plane's default user and REDIS_PASSWORD are not the app's.
  REDIS_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a Redis ACL user name such as jarvis-app')
    .default('jarvis-app')
    .describe('secret file or environment: the Redis ACL user the instance connects as'),
  REDIS_APP_PASSWORD: z
    .string()
    .min(1, 'must be set (in the environment or JARVIS_SECRETS_FILE)')
    .describe("secret: the ACL user's password, from the environment or JARVIS_SECRETS_FILE"),
  PG_APP_PASSWORD: z
    .string()
    .min(1)
    .optional()
    .describe('secret: used when a URL has no password, from the environment or JARVIS_SECRETS_FILE'),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (in the environment or JARVIS_SECRETS_FILE)')
    .describe('secret: the bearer token of the admin endpoints, at least 16 characters'),
  REGISTRY_TTL_SECONDS: int(2, 3600).default(15).describe("a registry record expires this long after the instance's last heartbeat"),
  HEARTBEAT_INTERVAL_MS: int(100, 600_000)
    .default(3_000)
    .describe('how often the instance refreshes its record; below REGISTRY_TTL_SECONDS'),
  REPLICA_MAX_LAG_MS: int(0, 3_600_000).default(1_000).describe('a replica lagging more is left out of reads'),
  DB_POOL_SIZE: int(1, 50).default(5).describe('connections per server (primary and each replica)'),
  INSTANCE_MEMORY_LIMIT_MB: z.coerce
    .number()
    .int('must be a whole number of megabytes')
    .min(1, "must be at least 1 megabyte; leave it unset to use the container's cgroup limit")
    .max(1024 * 1024, 'must be at most 1048576 (1 TiB)')
    .optional()
    .describe("the instance's memory limit for its memory %: set by every driver; unset, the cgroup's limit is used"),
  MAX_BODY_BYTES: int(1, 10 * 1024 * 1024)
    .default(64 * 1024)
    .describe('larger request bodies get 413'),
  CACHE_TTL_MS: int(1, 86_400_000)
    .default(5_000)
    .describe('how long a cache-aside entry (the notes count of GET /api/stats/notes) lives in Redis before it is loaded again'),
});

const SECRET_KEYS = ['REDIS_USERNAME', 'REDIS_APP_PASSWORD', 'PG_APP_PASSWORD', 'ADMIN_TOKEN'] as const;

export interface AppSettings {
  port: number;
  host: string;
  instanceId: string;
  service: string;
  version: string;
  startupDelayMs: number;
  shutdownDeadlineMs: number;
  redisNodes: { host: string; port: number }[];
  redisUsername: string;
  redisPassword: string;
  databaseUrl: string;
  replicaUrls: { name: string; url: string }[];
  pgPassword: string | undefined;
  adminToken: string;
  registryTtlSeconds: number;
  heartbeatIntervalMs: number;
  replicaMaxLagMs: number;
  dbPoolSize: number;
  maxBodyBytes: number;
  memoryLimitMb: number | undefined;
  cacheTtlMs: number;
}

export class AppConfigError extends Error {
  override name = 'AppConfigError';
}

/** Parses the instance's environment; throws AppConfigError naming every bad variable. */
export function parseAppSettings(env: NodeJS.ProcessEnv): AppSettings {
  const merged: Record<string, string | undefined> = { ...env };
  if (env.JARVIS_SECRETS_FILE) {
    let fromFile: Record<string, string>;
    try {
      fromFile = readSecretsFile(env.JARVIS_SECRETS_FILE);
    } catch (error) {
      throw new AppConfigError(`invalid app configuration: ${(error as Error).message}`);
    }
    for (const key of SECRET_KEYS) if (!merged[key] && fromFile[key]) merged[key] = fromFile[key];
  }
  // Swarm replicas share the host network, so each takes its port from its task slot:
  // the service sets APP_BASE_PORT and INSTANCE_SLOT={{.Task.Slot}} instead of PORT.
  if (!merged.PORT && merged.APP_BASE_PORT && merged.INSTANCE_SLOT) {
    const base = Number(merged.APP_BASE_PORT);
    const slot = Number(merged.INSTANCE_SLOT);
    if (!Number.isInteger(base) || !Number.isInteger(slot) || slot < 1) {
      throw new AppConfigError(
        `invalid app configuration: APP_BASE_PORT (${merged.APP_BASE_PORT}) and INSTANCE_SLOT (${merged.INSTANCE_SLOT}) must be whole numbers, the slot at least 1`,
      );
    }
    merged.PORT = String(base + slot);
  }
  const parsed = appEnvSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      // A URL or a value with `user:password@` may carry a secret: it is never echoed.
      const mayHoldSecret = (SECRET_KEYS as readonly string[]).includes(name) || name.endsWith('_URL') || /@/.test(merged[name] ?? '');
      const shown = mayHoldSecret ? '' : ` (got ${JSON.stringify(merged[name])})`;
      return `${name}: ${i.message}${shown}`;
    });
    throw new AppConfigError(`invalid app configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.HEARTBEAT_INTERVAL_MS >= e.REGISTRY_TTL_SECONDS * 1000) {
    throw new AppConfigError(
      `invalid app configuration: HEARTBEAT_INTERVAL_MS (${e.HEARTBEAT_INTERVAL_MS}) must be shorter than REGISTRY_TTL_SECONDS (${e.REGISTRY_TTL_SECONDS} s)`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    instanceId: e.INSTANCE_ID,
    service: e.SERVICE_NAME,
    version: e.APP_VERSION,
    startupDelayMs: e.STARTUP_DELAY_MS,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    redisNodes: parseHostPortList(e.REDIS_CLUSTER_NODES) as HostPort[],
    redisUsername: e.REDIS_USERNAME,
    redisPassword: e.REDIS_APP_PASSWORD,
    databaseUrl: e.DATABASE_URL,
    replicaUrls: [
      { name: 'replica1', url: e.READ_REPLICA_1_URL },
      { name: 'replica2', url: e.READ_REPLICA_2_URL },
    ],
    pgPassword: e.PG_APP_PASSWORD,
    adminToken: e.ADMIN_TOKEN,
    registryTtlSeconds: e.REGISTRY_TTL_SECONDS,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    replicaMaxLagMs: e.REPLICA_MAX_LAG_MS,
    dbPoolSize: e.DB_POOL_SIZE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    memoryLimitMb: e.INSTANCE_MEMORY_LIMIT_MB,
    cacheTtlMs: e.CACHE_TTL_MS,
  };
}

/** For the server's entry point: a bad value prints the message and exits 2. */
export function readAppSettings(env: NodeJS.ProcessEnv): AppSettings {
  try {
    return parseAppSettings(env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
