// Records real workflow histories for the replay tests. Run against a stack started
// with `bash infra/local/stack.sh services` (see README, "Re-recording histories"):
//   node dist/test/record-histories.js
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resetPlatform, SERVICE } from './helpers/platform';
import { repoRoot, taskQueueFor, temporalClient } from './helpers/stack';
import { withWorker } from './helpers/workers';
import { ports } from './helpers/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from './helpers/redis';
import { REDIS_MUTEX_ID } from '../workflows/redis-common';

const historiesDir = path.join(repoRoot, 'test', 'histories');

async function save(handle: WorkflowHandle, name: string): Promise<void> {
  const file = path.join(historiesDir, `${name}.json`);
  writeFileSync(file, `${historyToJSON(await handle.fetchHistory())}\n`);
  process.stdout.write(`recorded ${path.relative(repoRoot, file)}\n`);
}

async function settle(run: Promise<unknown>): Promise<void> {
  await run.catch(() => undefined);
}

async function recordScaleUp(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record scaleUp');
  await resetPlatform(client);
  await withWorker(taskQueue, async () => {
    const plain = await client.workflow.start('scaleUp', { taskQueue, workflowId: `record-scale-up-${Date.now()}`, args: [{ service: SERVICE, count: 2, cooldownSeconds: 1 }] });
    await plain.result();
    await save(plain, 'scaleUp-started-without-mutex-id');
    await save(client.workflow.getHandle('scale/jarvis-app'), 'scaleUp');
  });
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      const unhealthy = await client.workflow.start('scaleUp', { taskQueue, workflowId: 'scale/jarvis-app', args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 2 }] });
      await settle(unhealthy.result());
      await save(unhealthy, 'scaleUp-unhealthy-instance-removed');
    },
    { APP_STARTUP_DELAY_MS: '600000' },
  );
  await resetPlatform(client);
}

async function recordRedis(client: Client): Promise<void> {
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
      const plain = await client.workflow.start('redisAddNode', { taskQueue, workflowId: `record-redis-add-${Date.now()}`, args: [{ port: ports.redisExtra[0] }] });
      const added = (await plain.result()) as { nodeId: string };
      await save(plain, 'redisAddNode-started-without-mutex-id');
      await save(mutex(), 'redisAddNode');
      // One slot per activity and a short history limit: the run continues as new on the way.
      await underMutex('redisReshard', { target: added.nodeId, slots: 40, slotsPerActivity: 1, continueAsNewAfterEvents: 100 }, 'redisReshard-continued-as-new');
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

async function main(): Promise<void> {
  const { client, connection } = await temporalClient();
  // `node dist/test/record-histories.js redis` records only the Redis workflows.
  const only = process.argv[2];
  try {
    if (!only || only === 'scaleUp') await recordScaleUp(client);
    if (!only || only === 'redis') await recordRedis(client);
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
