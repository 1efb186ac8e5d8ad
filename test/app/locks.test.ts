import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { createDistributedLock, lockKeys, LockLostError, LockNotAcquiredError } from '../../app/lib/distributed-lock';
import { Client } from 'pg';
import { cleanUpInstances, instanceEnv, startReadyInstances, testRedis } from '../../testkit/app-instances';
import { ports } from '../../testkit/ports';
import { stackSecrets } from '../../testkit/stack';

const run = promisify(execFile);
const PROCESSES = 5;
const RUNS_EACH = 40; // 5 × 40 = 200 contended runs

describe('distributed locks in the Redis Cluster', () => {
  let redis: Cluster;
  before(() => (redis = testRedis()));
  after(() => redis.quit());

  it('never lets 5 processes contending 200 times overlap, and fencing tokens strictly increase', async () => {
    const lockName = `contended-${process.pid}-${Date.now()}`;
    const env = { ...process.env, REDIS_CLUSTER_NODES: instanceEnv(0).REDIS_CLUSTER_NODES, REDIS_PASSWORD: stackSecrets().REDIS_PASSWORD };
    const script = path.join(__dirname, 'lock-contender.js');
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, k) =>
        run(process.execPath, [script, lockName, String(RUNS_EACH), `p${k}`], { env, timeout: 120_000 }),
      ),
    );
    const reports = outputs.map(
      (o) => JSON.parse(o.stdout.trim()) as { label: string; overlaps: number; runs: { token: number; startMs: number; endMs: number }[] },
    );
    assert.deepEqual(
      reports.map((r) => r.overlaps),
      [0, 0, 0, 0, 0],
      'no process ever saw another inside the critical section',
    );

    // The runs in the order they happened (each appended inside the lock): tokens strictly increase.
    const order = (await redis.lrange(`test:{${lockName}}:runs`, 0, -1)).map((e) => Number(e.split(':')[0]));
    assert.equal(order.length, PROCESSES * RUNS_EACH);
    for (let i = 1; i < order.length; i++)
      assert.ok(order[i] > order[i - 1], `fencing token ${order[i]} after ${order[i - 1]} at run ${i}`);
    // The same from the processes' own clocks: sorted by start, no run starts before the previous ended.
    const all = reports.flatMap((r) => r.runs).sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < all.length; i++) {
      assert.ok(all[i].startMs >= all[i - 1].endMs, `runs ${i - 1} and ${i} overlap in time`);
      assert.ok(all[i].token > all[i - 1].token, 'tokens follow the order of the runs');
    }
    const winners = reports.map((r) => r.runs.length);
    assert.deepEqual(winners, [RUNS_EACH, RUNS_EACH, RUNS_EACH, RUNS_EACH, RUNS_EACH]);
    await redis.del(`test:{${lockName}}:runs`, `test:{${lockName}}:occupancy`, lockKeys(lockName).lock, lockKeys(lockName).fence);
  });

  it('renews the lock while the work runs longer than its TTL', async () => {
    const locks = createDistributedLock(redis);
    const other = createDistributedLock(redis);
    const name = `renewed-${process.pid}`;
    await locks.withLock(
      name,
      async () => {
        await new Promise((r) => setTimeout(r, 700)); // more than twice the TTL
        await assert.rejects(
          other.withLock(name, async () => undefined, { ttlMs: 300 }),
          LockNotAcquiredError,
        );
      },
      { ttlMs: 300 },
    );
    assert.equal(await redis.exists(lockKeys(name).lock), 0, 'released after the work');
    await redis.del(lockKeys(name).fence);
  });

  it('releases only its own lock, and tells the work when the lock was lost', async () => {
    const locks = createDistributedLock(redis);
    const name = `lost-${process.pid}`;
    let aborted: unknown;
    await locks.withLock(
      name,
      async ({ signal }) => {
        // Someone else's token replaces ours (as after an expiry and a new holder).
        await redis.set(lockKeys(name).lock, 'someone-else', 'PX', 5_000);
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve(), { once: true });
          setTimeout(resolve, 2_000);
        });
        aborted = signal.reason;
      },
      { ttlMs: 150 },
    );
    assert.ok(aborted instanceof LockLostError, `the work's signal was aborted with LockLostError, got ${String(aborted)}`);
    assert.equal(await redis.get(lockKeys(name).lock), 'someone-else', 'the other holder’s lock was not released');
    await redis.del(lockKeys(name).lock, lockKeys(name).fence);
  });

  it('hands the app’s job route increasing fencing tokens, and its fenced write refuses a stale one', async () => {
    const [app] = await startReadyInstances([1]);
    try {
      const job = `fence-${process.pid}-${Date.now()}`;
      const runs: { fencingToken: number; accepted: boolean }[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${app.url}/api/jobs/${job}/run`, { method: 'POST' });
        assert.equal(res.status, 200);
        runs.push((await res.json()) as { fencingToken: number; accepted: boolean });
      }
      assert.deepEqual(
        runs.map((r) => r.accepted),
        [true, true, true],
      );
      assert.ok(runs[1].fencingToken > runs[0].fencingToken && runs[2].fencingToken > runs[1].fencingToken);
      // A holder with an old token (its lock expired while it stalled) is refused by the resource.
      const db = new Client({
        host: '127.0.0.1',
        port: ports.pgPrimary,
        user: 'jarvis',
        password: stackSecrets().PG_APP_PASSWORD,
        database: 'jarvis',
      });
      await db.connect();
      try {
        const stale = await db.query(
          `INSERT INTO job_runs (name, last_fence, last_run_by) VALUES ($1, $2, 'stale') ON CONFLICT (name) DO UPDATE SET last_fence = EXCLUDED.last_fence WHERE job_runs.last_fence < EXCLUDED.last_fence`,
          [job, runs[0].fencingToken],
        );
        assert.equal(stale.rowCount, 0);
        const stored = await db.query('SELECT last_fence::int AS f FROM job_runs WHERE name = $1', [job]);
        assert.equal(stored.rows[0].f, runs[2].fencingToken);
      } finally {
        await db.end();
      }
    } finally {
      await cleanUpInstances();
    }
  });

  it('refuses bad names and TTLs before touching Redis', async () => {
    const locks = createDistributedLock(redis);
    await assert.rejects(
      locks.withLock('bad name with spaces', async () => 1, { ttlMs: 1000 }),
      /lock name must be/,
    );
    await assert.rejects(
      locks.withLock('ok', async () => 1, { ttlMs: 5 }),
      /ttlMs must be an integer ≥ 30/,
    );
  });
});
