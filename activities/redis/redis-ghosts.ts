// Ghost nodes for redisFix: the facts policy/redis/redis-ghosts.ts decides on, and the
// CLUSTER FORGET of a ghost on every live node that still lists it.
import Redis from 'ioredis';
import { decideGhost, type GhostFacts, type GhostNode } from '../../policy/redis/redis-ghosts';
import type { ClusterView } from '../../policy/redis/redis-cluster-view';
import { allViews, type RedisNodePool } from './redis-cluster-connections';

/** CLUSTER MYID at an address, on a connection of its own that never retries (the pool's reconnects forever). */
async function answerAt(pool: RedisNodePool, host: string, port: number, id: string): Promise<GhostFacts['answer']> {
  const probe = new Redis({
    host,
    port,
    password: pool.password || undefined,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const answered = String(await probe.call('CLUSTER', 'MYID'));
    return answered === id ? 'itself' : 'other-node';
  } catch {
    return 'unreachable';
  } finally {
    probe.disconnect();
  }
}

function factsOf(views: ClusterView[], id: string): Omit<GhostFacts, 'answer'> & { host: string; port: number } {
  const entries = views.flatMap((v) => v.nodes.filter((n) => n.id === id && !n.myself));
  const [first] = entries;
  return {
    id,
    host: first.host,
    port: first.port,
    address: `${first.host}:${first.port}`,
    listedBy: entries.length,
    failingIn: entries.filter((n) => n.failing).length,
    replicaInSomeView: entries.some((n) => n.role === 'replica'),
    slots: Math.max(...entries.map((n) => n.slots.reduce((s, [a, b]) => s + b - a + 1, 0))),
    replicas: views.filter((v) => v.nodes.some((n) => n.myself && n.masterId === id)).length,
  };
}

export function createRedisGhostActivities(pool: RedisNodePool) {
  return {
    /** Every node some live node lists as failing, with the decision on it. */
    async findRedisGhosts(): Promise<GhostNode[]> {
      const views = await allViews(pool);
      const suspects = new Set(views.flatMap((v) => v.nodes.filter((n) => n.failing && !n.myself).map((n) => n.id)));
      const found: GhostNode[] = [];
      for (const id of [...suspects].sort()) {
        const { host, port, ...facts } = factsOf(views, id);
        const decision = decideGhost({ ...facts, answer: await answerAt(pool, host, port, id) });
        found.push({ id, address: facts.address, forget: decision.kind === 'forget', reason: decision.reason });
      }
      return found;
    },

    /**
     * CLUSTER FORGET of `nodeId` on every live node that lists it, all at once (so no node
     * gossips it back to one that forgot it), then reads again until none lists it. Idempotent.
     */
    async forgetRedisGhost(input: { nodeId: string }): Promise<{ forgotBy: number }> {
      const views = await allViews(pool);
      const listing = views.filter((v) => v.nodes.some((n) => n.id === input.nodeId && !n.myself));
      const endpoints = listing.map((v) => {
        const me = v.nodes.find((n) => n.myself);
        if (!me) throw new Error(`CLUSTER NODES of ${v.reportedBy} has no myself line`);
        return me;
      });
      await Promise.all(endpoints.map((n) => pool.node(n).call('CLUSTER', 'FORGET', input.nodeId)));
      const after = await allViews(pool);
      const still = after.filter((v) => v.nodes.some((n) => n.id === input.nodeId)).map((v) => v.reportedBy);
      if (still.length > 0) throw new Error(`${input.nodeId} is still listed by ${still.join(', ')} after CLUSTER FORGET`);
      return { forgotBy: endpoints.length };
    },
  };
}
