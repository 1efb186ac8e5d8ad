// Every hostname the worker (or the admin API) will connect to must resolve before anything
// starts: a name that does not resolve is a configuration error naming its setting, not a
// stream of connection retries later. Addresses are taken as given.
import { unresolvedHosts, type ConfiguredHost, type Lookup } from '../shared/host-resolution';
import { ConfigError } from './config-error';
import type { WorkerConfig } from './worker-config-types';

/** The hosts the control plane connects to, each with the setting it came from. */
export function configuredHosts(config: WorkerConfig): ConfiguredHost[] {
  const urlHost = (url: string) => new URL(url).hostname;
  const pg = config.postgres.hosts;
  return [
    ...config.redisClusterNodes.map((n) => ({ setting: 'REDIS_CLUSTER_NODES', host: n.host })),
    { setting: 'DATABASE_URL', host: urlHost(config.databaseUrl) },
    { setting: 'READ_REPLICA_1_URL', host: urlHost(config.readReplicaUrls[0]) },
    { setting: 'READ_REPLICA_2_URL', host: urlHost(config.readReplicaUrls[1]) },
    { setting: 'PG_PRIMARY_HOST', host: pg.primary },
    { setting: 'PG_REPLICA1_HOST', host: pg.replica1 },
    { setting: 'PG_REPLICA2_HOST', host: pg.replica2 },
  ];
}

/** Throws a ConfigError naming each setting whose host does not resolve. */
export async function requireResolvableHosts(config: WorkerConfig, lookup?: Lookup): Promise<void> {
  const problems = await unresolvedHosts(configuredHosts(config), lookup);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
