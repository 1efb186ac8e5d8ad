// Reading the cluster: its topology, and the preflight that must pass before slots move.
import { heartbeat, sleep } from '@temporalio/activity';
import type { BigKeyScanLimits } from '../../policy/redis/redis-big-keys';
import { coverageProblems, masters, slotOwners, type ClusterView, type CoverageProblem } from '../../policy/redis/redis-cluster-view';
import type { BigKey } from '../../contracts/redis';
import { scanBigKeys } from './redis-big-keys';
import { allViews, anyView, type RedisNodePool } from './redis-cluster-connections';

/** Bounds of the big-key scan when the caller gives none (older workflow histories). */
const DEFAULT_SCAN_LIMITS: BigKeyScanLimits = { maxKeys: 20_000, maxMs: 2000 };

export interface PreflightReport {
  problems: CoverageProblem[];
  /** Keys over bigKeyBytes: a MIGRATE of one blocks source and target while it copies. */
  bigKeys: BigKey[];
  keysScanned: number;
  /** False when the scan stopped at its key or time limit: big keys may exist that it did not see. */
  scanComplete: boolean;
}

/** Views from every node must agree on who owns each slot, or gossip has not settled. */
function disagreements(views: ClusterView[]): CoverageProblem[] {
  if (views.length < 2) return [];
  const reference = slotOwners(views[0]);
  const problems: CoverageProblem[] = [];
  for (const view of views.slice(1)) {
    const owners = slotOwners(view);
    const differing = owners.reduce((n, o, s) => n + (o !== reference[s] ? 1 : 0), 0);
    if (differing > 0)
      problems.push({
        code: 'SlotOpen',
        detail: `${view.reportedBy} and ${views[0].reportedBy} disagree on the owner of ${differing} slots`,
      });
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
    async preflightRedisCluster(input: {
      bigKeyBytes: number;
      scanBigKeys: boolean;
      settleMs: number;
      scanLimits?: BigKeyScanLimits;
    }): Promise<PreflightReport> {
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
      if (!input.scanBigKeys) return { problems, bigKeys: [], keysScanned: 0, scanComplete: false };
      const scan = await scanBigKeys(pool, masters(views[0]), input.bigKeyBytes, input.scanLimits ?? DEFAULT_SCAN_LIMITS);
      return { problems, bigKeys: scan.bigKeys, keysScanned: scan.keysScanned, scanComplete: scan.complete };
    },
  };
}
