// Records the histories of redisAddNode since nodes are named by host:port: one started with an
// address, and one with a port alone, which resolves the host behind the
// `redis-nodes-by-address` patch marker. Both nodes are removed again. Run by
// record-histories.ts (`redis-address`), against a stack started with `stack.sh services`.
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { redisExtraNodes } from '../testkit/ports';
import { assertBaseCluster, redisWorkerEnv } from '../testkit/redis';
import { taskQueueFor } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { save } from './history-recording';

export async function recordRedisNodeAddresses(client: Client): Promise<void> {
  await assertBaseCluster();
  const taskQueue = taskQueueFor('record redis node addresses');
  await withWorker(
    taskQueue,
    async () => {
      const [first, second] = redisExtraNodes;
      const added: string[] = [];
      for (const [input, name] of [
        [{ address: `${first.host}:${first.port}` }, 'redisAddNode-by-address'],
        [{ port: second.port }, 'redisAddNode-by-port-patched'],
      ] as const) {
        const handle = await client.workflow.start('redisAddNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });
        added.push((await handle.result()).nodeId);
        await save(handle, name);
      }
      for (const nodeId of added) {
        await client.workflow.execute('redisRemoveNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ nodeId }] });
      }
    },
    redisWorkerEnv(),
  );
  await assertBaseCluster();
}
