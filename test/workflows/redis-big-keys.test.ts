// The preflight's big-key scan with a real big key: a list of about 10 MiB in a slot that a
// reshard moves is reported (with its estimated MIGRATE blocking time, shown beside the real
// one), and the scan stays within its key-count and time limits on a keyspace larger than them.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRedisNodePool, type RedisNodePool } from '../../activities/redis/redis-cluster-connections';
import { createRedisTopologyActivities, type PreflightReport } from '../../activities/redis/redis-cluster-topology';
import { estimatedMigrateMs } from '../../policy/redis/redis-big-keys';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { ports } from '../../testkit/ports';
import { clusterView, redisPassword, redisWorkerEnv, withNode } from '../../testkit/redis';
import { resilientClusterClient } from '../../testkit/redis-writer';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor, temporalClient } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

const keySlot = createRequire(__filename)('cluster-key-slot') as (key: string) => number;

const BIG_ELEMENTS = 100_000;
const ELEMENT = 'e'.repeat(100);
const SMALL_KEYS = 3000;

function keyInSlot(prefix: string, slot: number): string {
  for (let i = 0; i < 10_000_000; i++) if (keySlot(`${prefix}${i}`) === slot) return `${prefix}${i}`;
  throw new Error(`no key for slot ${slot}`);
}

describe('the preflight big-key scan', () => {
  let client: Client;
  let connection: Connection;
  let pool: RedisNodePool;
  const taskQueue = taskQueueFor('redis big keys');
  const cluster = resilientClusterClient();
  const small = Array.from({ length: SMALL_KEYS }, (_, i) => `bigkey-test:small:${i}`);
  let bigKey = '';

  before(async () => {
    ({ client, connection } = await temporalClient());
    await restoreBaseCluster(client);
    pool = createRedisNodePool(
      ports.redis.map((port) => ({ host: '127.0.0.1', port })),
      redisPassword(),
    );
    for (let i = 0; i < small.length; i += 500) await Promise.all(small.slice(i, i + 500).map((k) => cluster.set(k, 'x')));
  });
  after(async () => {
    for (let i = 0; i < small.length; i += 500) await Promise.all(small.slice(i, i + 500).map((k) => cluster.del(k)));
    if (bigKey) await cluster.unlink(bigKey);
    cluster.disconnect();
    await pool.close();
    await restoreBaseCluster(client);
    await connection.close();
  });

  it('stops at its key limit and at its time limit, saying the scan is incomplete', async () => {
    const preflight = createRedisTopologyActivities(pool).preflightRedisCluster;
    const env = new MockActivityEnvironment();
    const byKeys: PreflightReport = await env.run(preflight, {
      bigKeyBytes: 1024 * 1024,
      scanBigKeys: true,
      settleMs: 5000,
      scanLimits: { maxKeys: 300, maxMs: 60_000 },
    });
    assert.equal(byKeys.scanComplete, false);
    assert.ok(
      byKeys.keysScanned >= 3 && byKeys.keysScanned < SMALL_KEYS,
      `scanned ${byKeys.keysScanned}: about the 300-key limit, not the ${SMALL_KEYS} keys there are`,
    );

    const began = performance.now();
    const byTime: PreflightReport = await env.run(preflight, {
      bigKeyBytes: 1024 * 1024,
      scanBigKeys: true,
      settleMs: 5000,
      scanLimits: { maxKeys: 10_000_000, maxMs: 1 },
    });
    const tookMs = performance.now() - began;
    assert.equal(byTime.scanComplete, false);
    assert.ok(byTime.keysScanned < SMALL_KEYS, `scanned ${byTime.keysScanned} keys in a 1 ms budget`);
    process.stdout.write(
      `# key limit 300: ${byKeys.keysScanned} keys sampled; time limit 1 ms: ${byTime.keysScanned} keys in ${Math.round(tookMs)} ms (with the topology reads)\n`,
    );
  });

  it('reports a real 10 MiB list in the slots a reshard moves, with its estimated MIGRATE time', async () => {
    const view = await clusterView();
    const [a, b] = view.nodes.filter((n) => n.role === 'master').sort((x, y) => x.slots[0][0] - y.slots[0][0]);
    const slot = a.slots[0][0] + 3;
    bigKey = keyInSlot('bigkey-test:big:', slot);
    for (let i = 0; i < BIG_ELEMENTS; i += 5000) await cluster.rpush(bigKey, ...Array.from({ length: 5000 }, () => ELEMENT));
    const exact = Number(await withNode(a.port, (r) => r.call('MEMORY', 'USAGE', bigKey, 'SAMPLES', '0')));
    assert.ok(exact > 8 * 1024 * 1024, `the list takes ${exact} bytes`);

    await withWorker(
      taskQueue,
      async () => {
        const ranges = [`${slot}-${slot}`];
        const moved = await client.workflow.execute('redisReshard', {
          taskQueue,
          workflowId: REDIS_MUTEX_ID,
          args: [{ target: b.id, sources: [a.id], ranges }],
        });
        const found = moved.bigKeys.find((k: { key: string }) => k.key === bigKey);
        assert.ok(found, `the big key is reported: ${JSON.stringify(moved.bigKeys)}`);
        assert.equal(found.node, `127.0.0.1:${a.port}`);
        assert.ok(Math.abs(found.bytes - exact) / exact < 0.2, `sampled ${found.bytes} bytes, exact ${exact}`);
        assert.equal(found.estimatedMigrateMs, estimatedMigrateMs(found.bytes));
        assert.equal(moved.keysMoved, 1);
        process.stdout.write(
          `# big key ${exact} bytes: estimated MIGRATE ${found.estimatedMigrateMs} ms, measured ${moved.profile.phaseMs.migrate} ms; scan ${JSON.stringify(moved.bigKeyScan)}\n`,
        );
        assert.equal(await withNode(b.port, (r) => r.llen(bigKey)), BIG_ELEMENTS, 'the whole list is on the target');
        await client.workflow.execute('redisReshard', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ target: a.id, ranges }] });
      },
      redisWorkerEnv(),
    );
  });
});
