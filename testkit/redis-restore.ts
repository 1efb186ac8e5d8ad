// Puts the base cluster back after a test, even one that failed half-way: every node that is
// not one of the base six is removed through redisRemoveNode (drained, forgotten, stopped,
// its folder deleted), then the cluster must be whole.
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { ports } from './ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from './redis';
import { taskQueueFor } from './stack';
import { withWorker } from './workers';

export async function restoreBaseCluster(client: Client): Promise<void> {
  const extra = (await clusterView()).nodes.filter((n) => !ports.redis.includes(n.port));
  if (extra.length > 0) {
    const taskQueue = taskQueueFor('restore base redis cluster');
    await withWorker(
      taskQueue,
      async () => {
        // Replicas first: removing them moves no slot.
        for (const node of extra.sort((a, b) => (a.role === b.role ? 0 : a.role === 'replica' ? -1 : 1))) {
          await client.workflow.execute('redisRemoveNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ nodeId: node.id }] });
        }
      },
      redisWorkerEnv(),
    );
  }
  await assertBaseCluster();
}
