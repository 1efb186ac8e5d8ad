// Consistency under load, modelled on Redis's own resharding test: a writer RPUSHes numbered
// values onto many keys while a new node is added, slots are resharded to it (the worker is
// SIGKILLed twice during the migration) and the node is removed again. Every acknowledged
// value must be there, in order, and the cluster must end whole.
// Scale: REDIS_TEST_KEYS (default 50000) keys and REDIS_TEST_SLOTS (default 2000) slots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { REDIS_MUTEX_ID, type RedisProgress } from '../../contracts/redis';
import { highestActivityAttempt } from '../../testkit/history';
import { redisExtraNodes } from '../../testkit/ports';
import { assertBaseCluster, clusterView, extraNodeFolders, redisCliCheck, redisWorkerEnv } from '../../testkit/redis';
import { ListWriter } from '../../testkit/redis-writer';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';

const KEYS = Number(process.env.REDIS_TEST_KEYS ?? 50_000);
const SLOTS = Number(process.env.REDIS_TEST_SLOTS ?? 2000);
// Slow enough that both kills land inside the migration on this shared 2-core machine.
const THROTTLE = Number(process.env.REDIS_TEST_THROTTLE ?? 600);

async function progressOf(handle: WorkflowHandle): Promise<RedisProgress | undefined> {
  return handle.query<RedisProgress>('progress').catch(() => undefined);
}

async function waitForSlotsDone(handle: WorkflowHandle, atLeast: number, timeoutMs = 120_000): Promise<RedisProgress> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const p = await progressOf(handle);
    if (p && p.slotsDone >= atLeast) return p;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`fewer than ${atLeast} slots migrated within ${timeoutMs} ms`);
}

describe('Redis resharding under load', () => {
  let worker: WorkerProcess | undefined;
  let writer: ListWriter;
  const taskQueue = taskQueueFor('redis reshard under load');

  const session = useTemporalSession({
    prepare: (client) => restoreBaseCluster(client),
    cleanUp: async (client) => {
      writer?.close();
      await worker?.kill('SIGTERM');
      await restoreBaseCluster(client);
    },
  });

  it('loses no acknowledged write while a node is added, slots resharded to it across two worker kills, and the node removed', async () => {
    writer = new ListWriter(KEYS);
    await writer.populate();
    writer.start();
    const env = redisWorkerEnv();
    worker = await startWorkerProcess(taskQueue, env);
    const extra = redisExtraNodes[0];

    const added = await session.client.workflow.execute('redisAddNode', {
      taskQueue,
      workflowId: `redis-add-${Date.now()}`,
      args: [{ address: `${extra.host}:${extra.port}` }],
    });
    assert.equal(added.role, 'master');
    assert.equal(added.address, `${extra.host}:${extra.port}`);
    assert.equal((await clusterView()).nodes.length, 7, 'every node knows the new one');

    const reshard = await session.client.workflow.start('redisReshard', {
      taskQueue,
      workflowId: REDIS_MUTEX_ID,
      args: [{ target: added.nodeId, slots: SLOTS, throttleKeysPerSecond: THROTTLE, slotsPerActivity: 25 }],
    });
    // Two SIGKILLs, each while slots are moving; a fresh worker picks the migration up each time.
    for (const fraction of [0.2, 0.5]) {
      const before = await waitForSlotsDone(reshard, Math.floor(SLOTS * fraction));
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(taskQueue, env);
      process.stdout.write(`# SIGKILL at ${before.slotsDone}/${SLOTS} slots (${before.keys} keys moved)\n`);
    }
    const resharded = await reshard.result();
    assert.equal(resharded.slotsMoved, SLOTS);
    assert.ok((await highestActivityAttempt(reshard, 'migrateRedisSlots')) >= 2, 'a migration chunk was interrupted and resumed');
    const mid = await clusterView();
    const newNode = mid.nodes.find((n) => n.id === added.nodeId);
    assert.equal(
      newNode?.slots.reduce((n, [a, b]) => n + b - a + 1, 0),
      SLOTS,
      'the new node owns exactly the planned slots',
    );
    assert.ok((await redisCliCheck()).clean, 'redis-cli --cluster check is clean after the reshard');

    // Remove it again, under the same load: its slots go back to the base masters.
    const removed = await session.client.workflow.execute('redisRemoveNode', {
      taskQueue,
      workflowId: `redis-remove-${Date.now()}`,
      args: [{ nodeId: added.nodeId }],
    });
    assert.equal(removed.slotsMoved, SLOTS);

    const report = await writer.stop();
    const verified = await writer.verify();
    process.stdout.write(
      `# keys ${KEYS}, slots ${SLOTS}: reshard moved ${resharded.keysMoved} keys (${resharded.ioerrRecoveries} IOERR recoveries), remove moved ${removed.keysMoved}; ` +
        `writer: ${report.writes} acknowledged writes, ${report.errors} errors${report.firstErrors.length ? ` (${report.firstErrors.join(' | ')})` : ''}, p99 ${report.p99Ms} ms\n`,
    );
    assert.deepEqual(verified.problems, [], 'every acknowledged value is present, in order');
    assert.equal(report.errors, 0, `writer errors: ${report.firstErrors.join(' | ')}`);
    assert.ok(report.writes > KEYS, 'the writer really wrote during the operations');
    assert.deepEqual(extraNodeFolders(), [], "the removed node's folder is gone");
    await assertBaseCluster();
    await writer.cleanup();
  });
});
