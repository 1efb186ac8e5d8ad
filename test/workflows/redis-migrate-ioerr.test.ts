// MIGRATE IOERR against the real cluster: while slots move, the target is paused for writes
// (CLIENT PAUSE … WRITE) again and again, longer than the MIGRATE timeout, so MIGRATE fails
// with IOERR while the target may already hold the keys it was sent (they run once the pause
// ends). The Redis documentation says such a key may be on both nodes; redisReshard must
// retry (the source copy is the live one) and never lose a key. Afterwards every key holds
// its value on the target only, every acknowledged write is there, and no slot is open.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { coverageProblems } from '../../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { clusterView, redisCliCheck, redisWorkerEnv, withNode } from '../../testkit/redis';
import { ListWriter, resilientClusterClient } from '../../testkit/redis-writer';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor } from '../../testkit/stack';
import { withWorker, withWorkerEnv } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

// ioredis's own slot function (CRC16 mod 16384), to name keys that fall in the moved slots.
const keySlot = createRequire(__filename)('cluster-key-slot') as (key: string) => number;

const SLOTS = 96;
const KEYS_PER_SLOT = 20;
const PAUSE_MS = 300;

function keysInSlots(first: number, count: number, perSlot: number): string[] {
  const bySlot = new Map<number, string[]>();
  const keys: string[] = [];
  for (let i = 0; keys.length < count * perSlot && i < 20_000_000; i++) {
    const key = `ioerr:${i}`;
    const slot = keySlot(key);
    if (slot < first || slot >= first + count) continue;
    const list = bySlot.get(slot) ?? [];
    if (list.length >= perSlot) continue;
    list.push(key);
    bySlot.set(slot, list);
    keys.push(key);
  }
  return keys;
}

const valueOf = (key: string) => `${key}:${'v'.repeat(1000)}`;

describe('redisReshard when MIGRATE fails with IOERR', () => {
  const session = useTemporalSession({ prepare: (client) => restoreBaseCluster(client), cleanUp: (client) => restoreBaseCluster(client) });
  const taskQueue = taskQueueFor('redis migrate ioerr');

  it('retries the keys still on the source, loses none, and leaves every slot closed', async () => {
    const view = await clusterView();
    const [a, b] = view.nodes.filter((n) => n.role === 'master').sort((x, y) => x.slots[0][0] - y.slots[0][0]);
    const first = a.slots[0][0];
    const ranges = [`${first}-${first + SLOTS - 1}`];
    const keys = keysInSlots(first, SLOTS, KEYS_PER_SLOT);
    assert.equal(keys.length, SLOTS * KEYS_PER_SLOT);
    const cluster = resilientClusterClient();
    const writer = new ListWriter(2000, 2);
    try {
      for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((k) => cluster.set(k, valueOf(k))));
      await writer.populate();
      writer.start();

      await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
        const handle = await session.client.workflow.start('redisReshard', {
          taskQueue,
          workflowId: REDIS_MUTEX_ID,
          args: [{ target: b.id, sources: [a.id], ranges, migrateTimeoutMs: 100, slotConcurrency: 8 }],
        });
        // Pause the target's writes (RESTORE is one) for longer than the MIGRATE timeout, over and over.
        let finished = false;
        const outcome = handle.result().finally(() => (finished = true));
        let pauses = 0;
        for (const deadline = Date.now() + 120_000; !finished && Date.now() < deadline; pauses++) {
          await withNode(b.port, (r) => r.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE'));
          await new Promise((r) => setTimeout(r, PAUSE_MS + 50));
        }
        const result = await outcome;
        process.stdout.write(
          `# ${pauses} pauses of ${PAUSE_MS} ms; ${result.keysMoved} keys moved, ${result.ioerrRecoveries} IOERR recoveries\n`,
        );
        assert.equal(result.slotsMoved, SLOTS);
        assert.ok(result.ioerrRecoveries > 0, 'MIGRATE really failed with IOERR at least once');
      });

      // Every key is on the target only, with its value.
      const onTarget = await withNode(b.port, async (r) => {
        const pipeline = r.pipeline();
        for (const k of keys) pipeline.get(k);
        return ((await pipeline.exec()) ?? []).map(([, v]) => v);
      });
      const wrong = keys.filter((k, i) => onTarget[i] !== valueOf(k));
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} keys missing or changed on the target`);
      const leftOnSource = await withNode(a.port, async (r) => {
        let n = 0;
        for (let s = first; s < first + SLOTS; s++) n += Number(await r.call('CLUSTER', 'COUNTKEYSINSLOT', String(s)));
        return n;
      });
      assert.equal(leftOnSource, 0, 'no key of the moved slots stays on the source');

      const report = await writer.stop();
      const verified = await writer.verify();
      process.stdout.write(`# writer: ${report.writes} acknowledged writes, ${report.errors} errors, p99 ${report.p99Ms} ms\n`);
      assert.deepEqual(verified.problems, [], 'every acknowledged write is present, in order');
      assert.equal(report.errors, 0, report.firstErrors.join(' | '));

      const views = await Promise.all(view.nodes.map((n) => clusterView(n.port)));
      assert.deepEqual(coverageProblems(views), [], 'no slot is open and all are covered');
      assert.ok((await redisCliCheck()).clean, 'redis-cli --cluster check is clean');

      // Put the slots back, so the next test file finds the layout it expects.
      await withWorker(
        taskQueue,
        () => session.client.workflow.execute('redisReshard', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ target: a.id, ranges }] }),
        redisWorkerEnv(),
      );
    } finally {
      for (let i = 0; i < keys.length; i += 500)
        await Promise.all(keys.slice(i, i + 500).map((k) => cluster.del(k))).catch(() => undefined);
      await writer.stop();
      await writer.cleanup().catch(() => writer.close());
      cluster.disconnect();
    }
  });
});
