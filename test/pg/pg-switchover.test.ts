// pgSwitchover under write load: zero acknowledged rows lost, never two writable
// servers, the topology published in Redis (key and channel), the old primary streaming;
// and a switchover cancelled mid-way leaves the cluster as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { assertCancelled } from '../../testkit/consistency';
import { waitForPendingActivity } from '../../testkit/history';
import { ports } from '../../testkit/ports';
import {
  PG_NAMES,
  pgPort,
  withPg,
  writableNow,
  pgWorkerEnv,
  sleep,
  waitClusterHealthy,
  Writer,
  WritableProber,
  useHealthyPgSession,
  primaryAndFirstStandby,
} from '../../testkit/pg-cluster';
import { stackSecrets, taskQueueFor } from '../../testkit/stack';
import { withWorkerEnv } from '../../testkit/workers';

describe('pgSwitchover', () => {
  const session = useHealthyPgSession();

  it('moves the primary to the target under write load with zero acknowledged rows lost', async () => {
    const taskQueue = taskQueueFor('pgSwitchover under load');
    const { primary: oldPrimary, standby: target } = await primaryAndFirstStandby();
    const redisNodes = ports.redis.map((port) => ({ host: '127.0.0.1', port }));
    const subscriber = new Cluster(redisNodes, { redisOptions: { password: stackSecrets().REDIS_PASSWORD } });
    const messages: Array<{ epoch: number; primary: { name: string; port: number } }> = [];
    await subscriber.subscribe('jarvis:pg:topology');
    subscriber.on('message', (_channel, text: string) => messages.push(JSON.parse(text)));
    const writer = await Writer.create('ha_switchover_writes');
    const prober = new WritableProber();
    try {
      await withWorkerEnv(taskQueue, pgWorkerEnv(), async () => {
        prober.start();
        writer.start();
        await writer.waitForAcks(30);
        const startedAt = Date.now();
        // Started under another ID: the run moves itself under the mutex pg-failover/main.
        const result = await session.client.workflow.execute('pgSwitchover', {
          taskQueue,
          workflowId: `switchover-test-${Date.now()}`,
          args: [{ cluster: 'main', target }],
        });
        const firstAck = await writer.firstAckAfter(startedAt, oldPrimary);
        await writer.waitForAcks(30);
        await writer.stop();
        process.stdout.write(
          `# switchover ${oldPrimary} -> ${target}: workflow ${result.timings.doneAtMs - result.timings.startedAtMs} ms, first write on the new primary ${firstAck - startedAt} ms after the start, ${writer.acked.length} rows acknowledged\n`,
        );
        assert.equal(result.newPrimary, target);
        assert.equal(result.oldPrimary, oldPrimary);
      });
      assert.deepEqual(await writer.missingOn(target), [], 'every acknowledged row is on the new primary');
      assert.equal(await waitClusterHealthy(30_000), target, 'the target is the primary and both others stream from it');
      const redis = new Cluster(redisNodes, { redisOptions: { password: stackSecrets().REDIS_PASSWORD } });
      const stored = JSON.parse((await redis.get('jarvis:pg:topology:main')) ?? 'null');
      redis.disconnect();
      assert.equal(stored.primary.name, target);
      assert.deepEqual(stored.replicas.map((r: { name: string }) => r.name).sort(), PG_NAMES.filter((n) => n !== target).sort());
      const deadline = Date.now() + 5000;
      while (!messages.some((m) => m.epoch === stored.epoch) && Date.now() < deadline) await sleep(50);
      assert.ok(
        messages.some((m) => m.primary.name === target && m.epoch === stored.epoch),
        `the final topology was published on the channel: ${JSON.stringify(messages)}`,
      );
      const epochs = messages.map((m) => m.epoch);
      assert.deepEqual(
        epochs,
        [...epochs].sort((a, b) => a - b),
        'epochs only grow',
      );
    } finally {
      await writer.stop();
      await prober.stop();
      subscriber.disconnect();
    }
    assert.ok(prober.samples > 5);
    assert.equal(prober.maxWritable, 1, `never two writable servers: ${prober.violations.join('; ')}`);
  });

  // Cancelled while it waits for the target to catch up (the target's WAL replay is paused,
  // so the wait cannot end by itself): the clean fence is undone, the workflow is reported as
  // cancelled, and the cluster is as before: exactly one primary (the old one), both replicas
  // streaming from it in quorum.
  it('a switchover cancelled while waiting for the target leaves the old primary and both replicas streaming', async () => {
    const taskQueue = taskQueueFor('pgSwitchover cancelled in catch-up');
    const { primary: oldPrimary, standby: target } = await primaryAndFirstStandby();
    const replay = (action: 'pause' | 'resume') =>
      withPg(pgPort(target), 'postgres', (pg) => pg.query(`SELECT pg_wal_replay_${action}()`), 5_000);
    await replay('pause');
    try {
      await withWorkerEnv(taskQueue, pgWorkerEnv(), async () => {
        const handle = await session.client.workflow.start('pgSwitchover', {
          taskQueue,
          workflowId: 'pg-failover/main',
          args: [{ cluster: 'main', target, timeoutSeconds: 120 }],
        });
        await waitForPendingActivity(handle, 'waitPgCaughtUp', 60_000);
        await handle.cancel();
        await assertCancelled(handle.result());
      });
    } finally {
      await replay('resume');
    }
    assert.deepEqual(await writableNow(), [oldPrimary], 'exactly one writable server, the old primary');
    assert.equal(await waitClusterHealthy(60_000), oldPrimary, 'both replicas stream from the old primary in quorum');
  });
});
