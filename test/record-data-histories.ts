// The recorded histories of the data-tier workflows: PostgreSQL (pgMonitor, pgSwitchover,
// pgFailover) and the Redis Cluster topology (add, reshard, rebalance, failover, fix, remove).
import type { Client } from '@temporalio/client';
import { pgWorkerEnv, postmasterPid, waitClusterHealthy, PG_NAMES } from '../testkit/pg-cluster';
import { ports } from '../testkit/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from '../testkit/redis';
import { taskQueueFor } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { REDIS_MUTEX_ID } from '../workflows/redis/redis-common';
import { save } from './history-recording';

/** pgMonitor (a healthy run), pgSwitchover (started under another ID) and pgFailover (after a SIGKILL of the primary). */
export async function recordPgHa(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record pg ha');
  await withWorker(
    taskQueue,
    async () => {
      await waitClusterHealthy();
      const monitor = await client.workflow.start('pgMonitor', {
        taskQueue,
        workflowId: `record-pg-monitor-${Date.now()}`,
        args: [{ cluster: 'main' }],
      });
      await monitor.result();
      await save(monitor, 'pgMonitor');

      const primary = await waitClusterHealthy();
      const target = PG_NAMES.filter((n) => n !== primary)[0];
      const switchover = await client.workflow.start('pgSwitchover', {
        taskQueue,
        workflowId: `record-pg-switchover-${Date.now()}`,
        args: [{ cluster: 'main', target }],
      });
      await switchover.result();
      await save(switchover, 'pgSwitchover-started-without-mutex-id');
      await save(client.workflow.getHandle('pg-failover/main'), 'pgSwitchover');

      const killed = await waitClusterHealthy();
      process.kill(postmasterPid(killed), 'SIGKILL');
      const failover = await client.workflow.start('pgFailover', {
        taskQueue,
        workflowId: 'pg-failover/main',
        args: [{ cluster: 'main', reason: 'recording a history' }],
      });
      await failover.result();
      await save(failover, 'pgFailover');
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
      const plain = await client.workflow.start('redisAddNode', {
        taskQueue,
        workflowId: `record-redis-add-${Date.now()}`,
        args: [{ port: ports.redisExtra[0] }],
      });
      const added = (await plain.result()) as { nodeId: string };
      await save(plain, 'redisAddNode-started-without-mutex-id');
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
