// Redis Cluster metrics, read at scrape time: node states from the first seed that answers
// CLUSTER NODES, and used memory (INFO) and keys (DBSIZE) of every node that is not failing:
// the keys per node are the dashboard's key distribution.
import { Gauge, type Registry } from 'prom-client';
import type { RedisNodePool } from '../../activities/redis/redis-cluster-connections';
import { countByState, nodeHealth, REDIS_NODE_STATES, type RedisNodeHealth } from '../../policy/redis/redis-node-states';
import { REDIS_CLUSTER_NAME } from '../../contracts/redis';
import { oncePerScrape } from './once-per-scrape';

/** A scrape must not hang on a node that is down: each call gets this long. */
const CALL_TIMEOUT_MS = 1_500;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function readNodeHealth(pool: RedisNodePool): Promise<RedisNodeHealth[]> {
  for (const seed of pool.seeds) {
    try {
      const text = (await withTimeout(pool.node(seed).call('CLUSTER', 'NODES'), `${seed.host}:${seed.port}`)) as string;
      return nodeHealth(text);
    } catch {
      // The next seed may answer; a cluster with no answering seed exports nothing.
    }
  }
  return [];
}

function usedMemory(info: string): number | undefined {
  const match = /^used_memory:(\d+)\s*$/m.exec(info);
  return match ? Number(match[1]) : undefined;
}

export function registerRedisMetrics(registry: Registry, pool: RedisNodePool): void {
  // The two gauges share one CLUSTER NODES read per scrape.
  const health = oncePerScrape(() => readNodeHealth(pool));

  new Gauge({
    name: 'jarvis_redis_cluster_nodes_total',
    help: 'Nodes the Redis Cluster knows, by state: ok, pfail (suspected down by the reporting node) or fail (agreed down)',
    labelNames: ['cluster', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const nodes = await health();
      if (!nodes.length) return;
      const counts = countByState(nodes);
      for (const state of REDIS_NODE_STATES) this.set({ cluster: REDIS_CLUSTER_NAME, state }, counts[state]);
    },
  });

  /** Sets `gauge` for every ok node from one command's answer; a node that stops answering just has no sample. */
  async function perLiveNode(
    gauge: Gauge<'cluster' | 'node'>,
    command: string[],
    read: (reply: unknown) => number | undefined,
  ): Promise<void> {
    gauge.reset();
    const live = (await health()).filter((n) => n.state === 'ok');
    await Promise.all(
      live.map(async ({ address }) => {
        const colon = address.lastIndexOf(':');
        const endpoint = { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
        try {
          const value = read(await withTimeout(pool.node(endpoint).call(command[0], ...command.slice(1)), address));
          if (value !== undefined) gauge.set({ cluster: REDIS_CLUSTER_NAME, node: address }, value);
        } catch {
          // A node that stopped answering since CLUSTER NODES simply has no sample this scrape.
        }
      }),
    );
  }

  new Gauge({
    name: 'jarvis_redis_memory_used_bytes',
    help: 'used_memory of each Redis Cluster node that is not failing (INFO memory)',
    labelNames: ['cluster', 'node'],
    registers: [registry],
    async collect() {
      await perLiveNode(this, ['INFO', 'memory'], (reply) => usedMemory(reply as string));
    },
  });

  new Gauge({
    name: 'jarvis_redis_keys',
    help: 'Keys held by each Redis Cluster node that is not failing (DBSIZE; a replica holds the keys of its master)',
    labelNames: ['cluster', 'node'],
    registers: [registry],
    async collect() {
      await perLiveNode(this, ['DBSIZE'], (reply) => Number(reply));
    },
  });
}
