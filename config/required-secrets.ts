// The worker cannot do its job without these secrets: refusing to start names the
// variable at once, instead of every Redis or PostgreSQL activity failing later with an
// authentication error that Temporal would retry.
import { ConfigError, type WorkerConfig } from './worker-config';

export function requireWorkerSecrets(config: WorkerConfig): void {
  const missing: string[] = [];
  if (!config.redisPassword) missing.push("REDIS_PASSWORD (the Redis Cluster's admin password)");
  if (!config.postgres.superuserPassword) missing.push("PG_SUPERUSER_PASSWORD (the PostgreSQL superuser's password)");
  if (missing.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${missing.map((m) => `${m.split(' ')[0]} must be set ${m.slice(m.indexOf(' ') + 1)}`).join('; ')}, in the environment or in JARVIS_STATE_DIR/secrets.env (${config.secretsFile})`,
    );
  }
}
