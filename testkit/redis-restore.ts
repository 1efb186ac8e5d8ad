// Puts the base cluster back after a test, even one that failed half-way: every node that is
// not one of the base six is removed through redisRemoveNode (drained, forgotten, stopped,
// its folder deleted), then the three masters get back the slot layout `redis-cli --cluster
// create` gave them (0-5460, 5461-10922, 10923-16383). Tests pick slots by where a master's
// first range starts, so a layout a rebalance or a removed node fragmented would make the
// next file move a different set of slots than it means to.
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { compressSlots, coverageProblems, expandRanges, type ClusterNode, type SlotRange } from '../policy/redis/redis-cluster-view';
import { sameNode } from '../policy/redis/redis-node-address';
import { redisNodes } from './ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from './redis';
import { taskQueueFor } from './stack';
import { withWorker } from './workers';

export const BASE_LAYOUT: SlotRange[] = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];

export async function restoreBaseCluster(client: Client): Promise<void> {
  const extra = (await clusterView()).nodes.filter((n) => !redisNodes.some((b) => sameNode(b, n)));
  const taskQueue = taskQueueFor('restore base redis cluster');
  const run = (workflow: string, input: object) =>
    withWorker(
      taskQueue,
      () => client.workflow.execute(workflow, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] }),
      redisWorkerEnv(),
    );
  // Replicas first: removing them moves no slot.
  for (const node of extra.sort((a, b) => (a.role === b.role ? 0 : a.role === 'replica' ? -1 : 1))) {
    await run('redisRemoveNode', { nodeId: node.id });
  }
  // A test that failed half-way can leave a slot open (migrating or importing): the product's
  // own redisFix closes it, so one failure does not break every later file on this stack.
  const views = await Promise.all(redisNodes.map((n) => clusterView(n).catch(() => undefined)));
  const answered = views.filter((v) => v !== undefined);
  if (answered.length === redisNodes.length && coverageProblems(answered).length > 0) await run('redisFix', {}).catch(() => undefined);
  const view = await assertBaseCluster();
  for (const move of layoutMoves(view.nodes.filter((n) => n.role === 'master'))) await run('redisReshard', move);
  await assertBaseCluster();
}

/** The reshards that give each base range back to the master that already holds most of it. */
export function layoutMoves(masters: ClusterNode[]): { target: string; ranges: string[] }[] {
  const free = [...masters];
  const moves: { target: string; ranges: string[] }[] = [];
  for (const range of BASE_LAYOUT) {
    const wanted = expandRanges([range]);
    const owned = (m: ClusterNode) => new Set(expandRanges(m.slots));
    const scored = free.map((m) => ({ m, have: owned(m), n: 0 })).map((s) => ({ ...s, n: wanted.filter((x) => s.have.has(x)).length }));
    const best = scored.sort((x, y) => y.n - x.n)[0];
    free.splice(free.indexOf(best.m), 1);
    const missing = compressSlots(wanted.filter((s) => !best.have.has(s)));
    if (missing.length > 0) moves.push({ target: best.m.id, ranges: missing.map(([a, b]) => `${a}-${b}`) });
  }
  return moves;
}
