// The topology for the app's pools, in Redis Cluster: SET jarvis:pg:topology:<cluster>
// and PUBLISH on jarvis:pg:topology, the same JSON in both.
import { Cluster } from 'ioredis';
import type { PgTopology } from '../../policy/postgres/pg-cluster';

export const TOPOLOGY_CHANNEL = 'jarvis:pg:topology';
export const topologyKey = (cluster: string) => `jarvis:pg:topology:${cluster}`;

export interface RedisSettings {
  nodes: Array<{ host: string; port: number }>;
  password: string;
}

async function withCluster<T>(settings: RedisSettings, fn: (redis: Cluster) => Promise<T>): Promise<T> {
  const redis = new Cluster(settings.nodes, {
    redisOptions: { password: settings.password || undefined, connectTimeout: 2_000 },
    clusterRetryStrategy: (times) => (times > 3 ? null : 200 * times),
    enableOfflineQueue: true,
  });
  redis.on('error', () => undefined); // reported through the command's own rejection
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export async function readRedisTopology(settings: RedisSettings, cluster: string): Promise<PgTopology | null> {
  return withCluster(settings, async (redis) => {
    const text = await redis.get(topologyKey(cluster));
    return text ? (JSON.parse(text) as PgTopology) : null;
  });
}

/** SET then PUBLISH; returns how many subscribers got the message. */
export async function writeRedisTopology(settings: RedisSettings, topology: PgTopology): Promise<number> {
  const json = JSON.stringify(topology);
  return withCluster(settings, async (redis) => {
    await redis.set(topologyKey(topology.cluster), json);
    return redis.publish(TOPOLOGY_CHANNEL, json);
  });
}
