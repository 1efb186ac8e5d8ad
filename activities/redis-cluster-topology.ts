// Reading the cluster: its topology, and the preflight that must pass before slots move.
import { heartbeat, sleep } from '@temporalio/activity';
import { address, coverageProblems, masters, slotOwners, type ClusterView, type CoverageProblem } from '../policy/redis-cluster-view';
import { allViews, anyView, type RedisNodePool } from './redis-cluster-connections';

export interface BigKey {
  node: string;
  key: string;
  bytes: number;
}

export interface PreflightReport {
  problems: CoverageProblem[];
  /** Keys over bigKeyBytes: a MIGRATE of one blocks source and target while it copies. */
  bigKeys: BigKey[];
  keysScanned: number;
}

/** Views from every node must agree on who owns each slot, or gossip has not settled. */
function disagreements(views: ClusterView[]): CoverageProblem[] {
  if (views.length < 2) return [];
  const reference = slotOwners(views[0]);
  const problems: CoverageProblem[] = [];
  for (const view of views.slice(1)) {
    const owners = slotOwners(view);
    const differing = owners.reduce((n, o, s) => n + (o !== reference[s] ? 1 : 0), 0);
    if (differing > 0) problems.push({ code: 'SlotOpen', detail: `${view.reportedBy} and ${views[0].reportedBy} disagree on the owner of ${differing} slots` });
  }
  return problems;
}

export function createRedisTopologyActivities(pool: RedisNodePool) {
  return {
    /** The cluster as a seed node sees it: nodes, roles, slots (no secrets). */
    async readRedisTopology(): Promise<ClusterView> {
      return anyView(pool);
    },

    /** All 16384 slots covered, no open slot, every node agreeing; and the big keys. */
    async preflightRedisCluster(input: { bigKeyBytes: number; scanBigKeys: boolean; settleMs: number }): Promise<PreflightReport> {
      // Gossip takes a moment to carry the last change everywhere: problems must persist for settleMs.
      const settleUntil = Date.now() + input.settleMs;
      let views = await allViews(pool);
      let problems = [...coverageProblems(views), ...disagreements(views)];
      for (let i = 0; problems.length > 0 && Date.now() < settleUntil && i < 1000; i++) {
        heartbeat({ settling: problems[0].detail });
        await sleep(250);
        views = await allViews(pool);
        problems = [...coverageProblems(views), ...disagreements(views)];
      }
      const bigKeys: BigKey[] = [];
      let keysScanned = 0;
      if (input.scanBigKeys) {
        for (const master of masters(views[0])) {
          const redis = pool.node(master);
          let cursor = '0';
          for (let round = 0; round < 100_000; round++) {
            const [next, keys] = (await redis.scan(cursor, 'COUNT', 1000)) as [string, string[]];
            cursor = next;
            if (keys.length > 0) {
              const pipeline = redis.pipeline();
              for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
              const sizes = (await pipeline.exec()) ?? [];
              keys.forEach((key, i) => {
                const bytes = Number(sizes[i]?.[1] ?? 0);
                if (bytes > input.bigKeyBytes && bigKeys.length < 50) bigKeys.push({ node: address(master), key, bytes });
              });
              keysScanned += keys.length;
            }
            if (round % 20 === 0) heartbeat({ keysScanned });
            if (cursor === '0') break;
          }
        }
      }
      return { problems, bigKeys, keysScanned };
    },
  };
}
