// The recorded histories of the data-tier workflows: PostgreSQL (pgMonitor, pgSwitchover,
// pgFailover) and the Redis Cluster topology (add, reshard, rebalance, failover, fix, remove).
import type { Client } from '@temporalio/client';
import { pgWorkerEnv, postmasterPid, waitClusterHealthy, PG_NAMES } from '../testkit/pg-cluster';
import { ports } from '../testkit/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from '../testkit/redis';
import { taskQueueFor } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { runAndSave, save } from './history-recording';

/** pgMonitor (a healthy run), pgSwitchover (started under another ID) and pgFailover (after a SIGKILL of the primary). */
export async function recordPgHa(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record pg ha');
  await withWorker(
    taskQueue,
    async () => {
      await waitClusterHealthy();
      await runAndSave(
        client,
        taskQueue,
        { type: 'pgMonitor', workflowId: `record-pg-monitor-${Date.now()}`, input: { cluster: 'main' } },
        'pgMonitor',
      );

      const primary = await waitClusterHealthy();
      const target = PG_NAMES.filter((n) => n !== primary)[0];
      await runAndSave(
        client,
        taskQueue,
        { type: 'pgSwitchover', workflowId: `record-pg-switchover-${Date.now()}`, input: { cluster: 'main', target } },
        'pgSwitchover-started-without-mutex-id',
      );
      await save(client.workflow.getHandle('pg-failover/main'), 'pgSwitchover');

      const killed = await waitClusterHealthy();
      process.kill(postmasterPid(killed), 'SIGKILL');
      await runAndSave(
        client,
        taskQueue,
        { type: 'pgFailover', workflowId: 'pg-failover/main', input: { cluster: 'main', reason: 'recording a history' } },
        'pgFailover',
      );
      await waitClusterHealthy();
    },
    pgWorkerEnv(),
  );
}

export async function recordRedis(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record redis topology');
  await withWorker(
    taskQueue,
    async () => {
      // A node left over from an interrupted recording goes first.
      for (const node of (await clusterView()).nodes.filter((n) => !ports.redis.includes(n.port))) {
        await client.workflow.execute('redisRemoveNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ nodeId: node.id }] });
      }
      await assertBaseCluster();
      const mutex = () => client.workflow.getHandle(REDIS_MUTEX_ID);
      const underMutex = async (type: string, input: unknown, name: string) => {
        const handle = await client.workflow.start(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });
        const result = await handle.result().catch((error: unknown) => error);
        await save(handle, name);
        return result;
      };
      const added = (await runAndSave(
        client,
        taskQueue,
        { type: 'redisAddNode', workflowId: `record-redis-add-${Date.now()}`, input: { port: ports.redisExtra[0] } },
        'redisAddNode-started-without-mutex-id',
      )) as { nodeId: string };
      await save(mutex(), 'redisAddNode');
      // One slot per activity and a short history limit: the run continues as new on the way.
      await underMutex(
        'redisReshard',
        { target: added.nodeId, slots: 40, slotsPerActivity: 1, continueAsNewAfterEvents: 100 },
        'redisReshard-continued-as-new',
      );
      await underMutex('redisReshard', { target: '0'.repeat(40), slots: 1 }, 'redisReshard-unknown-target');
      await underMutex('redisRebalance', { useEmptyMasters: true, dryRun: true }, 'redisRebalance-dry-run');
      const replica = (await clusterView()).nodes.find((n) => n.role === 'replica');
      if (!replica?.masterId) throw new Error('no replica to fail over to');
      await underMutex('redisFailover', { replicaId: replica.id }, 'redisFailover');
      await client.workflow.execute('redisFailover', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ replicaId: replica.masterId }] });
      await underMutex('redisFix', {}, 'redisFix');
      await underMutex('redisRemoveNode', { nodeId: added.nodeId }, 'redisRemoveNode');
    },
    redisWorkerEnv(),
  );
  await assertBaseCluster();
}
