// What the control plane hands every app instance it starts: where the Redis Cluster and
// PostgreSQL are (plain values, no secrets) and the secrets file the instance reads its
// passwords and admin token from (app/settings.ts, JARVIS_SECRETS_FILE). Defaults follow
// the stack's port variables (infra/local/common.sh).
import path from 'node:path';

export interface InstanceEnvironment {
  /** Non-secret variables passed to the instance as they are. */
  env: Record<string, string>;
  /** The host's secrets file (KEY=VALUE), mounted read-only into the instance. */
  secretsFile: string;
}

export function readInstanceEnvironment(env: NodeJS.ProcessEnv, stateDir: string): InstanceEnvironment {
  const redisBase = Number(env.REDIS_BASE_PORT ?? 7000);
  const pg = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    env: {
      REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES ?? [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${redisBase + i}`).join(','),
      DATABASE_URL: env.DATABASE_URL ?? `postgres://jarvis@127.0.0.1:${pg('PG_PRIMARY_PORT', 5432)}/jarvis`,
      READ_REPLICA_1_URL: env.READ_REPLICA_1_URL ?? `postgres://jarvis@127.0.0.1:${pg('PG_REPLICA1_PORT', 5433)}/jarvis`,
      READ_REPLICA_2_URL: env.READ_REPLICA_2_URL ?? `postgres://jarvis@127.0.0.1:${pg('PG_REPLICA2_PORT', 5434)}/jarvis`,
    },
    secretsFile: env.JARVIS_SECRETS_FILE ?? path.join(stateDir, 'secrets.env'),
  };
}
