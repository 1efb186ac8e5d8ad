// One ioredis connection per Redis node (host:port), authenticated with the worker's
// REDIS_PASSWORD. Node-level connections, not a Cluster client: topology changes talk to
// one node at a time and must not follow redirections.
import Redis from 'ioredis';
import { parseClusterNodes, type ClusterView } from '../../policy/redis/redis-cluster-view';

export interface RedisEndpoint {
  host: string;
  port: number;
}

export interface RedisNodePool {
  node(endpoint: RedisEndpoint): Redis;
  /** The password, for MIGRATE … AUTH; never logged or returned. */
  password: string;
  seeds: RedisEndpoint[];
  /** Where a node named by its port alone is reached (REDIS_HOST, `{n}` = port - REDIS_BASE_PORT + 1). */
  ownNode(port: number): RedisEndpoint;
  close(): Promise<void>;
}

export function createRedisNodePool(
  seeds: RedisEndpoint[],
  password: string,
  ownNode: (port: number) => RedisEndpoint = (port) => ({ host: '127.0.0.1', port }),
): RedisNodePool {
  const connections = new Map<string, Redis>();
  return {
    password,
    seeds,
    ownNode,
    node({ host, port }) {
      const key = `${host}:${port}`;
      let connection = connections.get(key);
      if (!connection) {
        connection = new Redis({
          host,
          port,
          password: password || undefined,
          lazyConnect: false,
          // Fail fast: the activity's own retry policy decides what happens next.
          maxRetriesPerRequest: 1,
          connectTimeout: 3000,
          commandTimeout: 30_000,
          enableOfflineQueue: true,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        // Errors surface on the commands; this only keeps an unreachable node from crashing the worker.
        connection.on('error', () => undefined);
        connections.set(key, connection);
      }
      return connection;
    },
    async close() {
      for (const c of connections.values()) c.disconnect();
      connections.clear();
    },
  };
}

/** CLUSTER NODES of one node, parsed. */
export async function viewFrom(pool: RedisNodePool, endpoint: RedisEndpoint): Promise<ClusterView> {
  const text = (await pool.node(endpoint).call('CLUSTER', 'NODES')) as string;
  return parseClusterNodes(text, `${endpoint.host}:${endpoint.port}`);
}

/** The first seed that answers, with its view. */
export async function anyView(pool: RedisNodePool): Promise<ClusterView> {
  const errors: string[] = [];
  for (const seed of pool.seeds) {
    try {
      return await viewFrom(pool, seed);
    } catch (error) {
      errors.push(`${seed.host}:${seed.port}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no Redis seed node answered CLUSTER NODES (${errors.join('; ')})`);
}

/** Views of every healthy node the first view lists, each from the node itself. */
export async function allViews(pool: RedisNodePool): Promise<ClusterView[]> {
  const first = await anyView(pool);
  return Promise.all(first.nodes.filter((n) => !n.failing).map((n) => viewFrom(pool, n)));
}
