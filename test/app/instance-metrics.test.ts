// The instance's seed metrics change under real traffic (jarvis_requests_per_second,
// jarvis_db_queries_total, jarvis_db_connections_active, jarvis_redis_commands_total), read from
// its /metrics before and after; and the cache-aside read path (GET /api/stats/notes) shows a
// warmed first hit, hits, a miss after the TTL expired, a miss after a write invalidated it,
// and jarvis_cache_hits_total / jarvis_cache_misses_total counting exactly those.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { Client } from 'pg';
import { cleanUpInstances, eventually, startReadyInstances, testRedis, type AppInstance } from '../../testkit/app-instances';
import { ports } from '../../testkit/ports';
import { stackSecrets } from '../../testkit/stack';

const TTL_MS = 1500;

/** Sum of every sample of `name` whose labels contain `match` (prom-client's text format). */
async function metric(app: AppInstance, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m && (m[1] ?? '').includes(match)) sum += Number(m[2]);
  }
  return sum;
}

async function stats(app: AppInstance): Promise<{ notes: number; cached: boolean }> {
  const res = await fetch(`${app.url}/api/stats/notes`);
  assert.equal(res.status, 200);
  return (await res.json()) as { notes: number; cached: boolean };
}

describe('instance metrics under traffic, and the cache-aside read path', () => {
  let app: AppInstance;
  let redis: Cluster;
  before(async () => {
    redis = testRedis();
    await redis.del('jarvis:cache:notes:count');
    [app] = await startReadyInstances([7], { CACHE_TTL_MS: String(TTL_MS) });
  });
  after(async () => {
    await cleanUpInstances();
    await redis.quit();
  });

  it('requests per second, database queries and Redis commands go up with traffic', async () => {
    const before = {
      rps: await metric(app, 'jarvis_requests_per_second'),
      queries: await metric(app, 'jarvis_db_queries_total', 'outcome="ok"'),
      redis: await metric(app, 'jarvis_redis_commands_total'),
    };
    for (let i = 0; i < 40; i++) assert.equal((await fetch(`${app.url}/api/notes`)).status, 200);
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${app.url}/api/session/counter`, { method: 'POST' })).status < 500, true);
    const after = {
      rps: await metric(app, 'jarvis_requests_per_second'),
      queries: await metric(app, 'jarvis_db_queries_total', 'outcome="ok"'),
      redis: await metric(app, 'jarvis_redis_commands_total'),
    };
    // 50 requests and the scrapes, all within the 10 s window: at least 5 per second.
    assert.ok(after.rps >= 5 && after.rps > before.rps, `jarvis_requests_per_second ${before.rps} -> ${after.rps}`);
    assert.ok(after.queries >= before.queries + 40, `jarvis_db_queries_total ${before.queries} -> ${after.queries}`);
    assert.ok(after.redis >= before.redis + 10, `jarvis_redis_commands_total ${before.redis} -> ${after.redis}`);
  });

  it('jarvis_db_connections_active counts a primary connection held by a write, and drops when it returns', async () => {
    const superuser = new Client({
      host: '127.0.0.1',
      port: ports.pgPrimary,
      user: 'postgres',
      password: stackSecrets().PG_SUPERUSER_PASSWORD,
      database: 'jarvis',
    });
    await superuser.connect();
    try {
      await eventually('no primary connection checked out', async () =>
        (await metric(app, 'jarvis_db_connections_active', 'role="primary"')) === 0 ? true : undefined,
      );
      await superuser.query('BEGIN');
      await superuser.query('LOCK TABLE notes IN EXCLUSIVE MODE');
      const write = fetch(`${app.url}/api/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'held' }),
      });
      const held = await eventually('the held write to show', async () => {
        const n = await metric(app, 'jarvis_db_connections_active', 'role="primary"');
        return n >= 1 ? n : undefined;
      });
      assert.ok(held >= 1);
      await superuser.query('COMMIT');
      assert.equal((await write).status, 201);
      await eventually('the connection to come back', async () =>
        (await metric(app, 'jarvis_db_connections_active', 'role="primary"')) === 0 ? true : undefined,
      );
    } finally {
      await superuser.end();
    }
  });

  it('hits after warming, misses once the TTL expired and after a write, and counts each', async () => {
    const count = async (name: string) => metric(app, name, 'cache="notes"');
    const [hits0, misses0] = [await count('jarvis_cache_hits_total'), await count('jarvis_cache_misses_total')];
    // The key may have expired since the instance warmed it; reload it, then read it twice.
    await redis.del('jarvis:cache:notes:count');
    const first = await stats(app);
    assert.equal(first.cached, false, 'absent: loaded from PostgreSQL');
    assert.equal((await stats(app)).cached, true);
    assert.equal((await stats(app)).cached, true);
    const ttl = await redis.pttl('jarvis:cache:notes:count');
    assert.ok(ttl > 0 && ttl <= TTL_MS, `the entry lives CACHE_TTL_MS at most (PTTL ${ttl})`);

    await new Promise((r) => setTimeout(r, TTL_MS + 200));
    assert.equal((await stats(app)).cached, false, 'expired: loaded again');

    const res = await fetch(`${app.url}/api/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'counted' }),
    });
    assert.equal(res.status, 201);
    const fresh = await stats(app);
    assert.equal(fresh.cached, false, 'the write invalidated it');
    assert.equal(fresh.notes, first.notes + 1);

    assert.equal((await count('jarvis_cache_hits_total')) - hits0, 2);
    assert.equal((await count('jarvis_cache_misses_total')) - misses0, 3);
  });

  it('warms the cache when an instance starts: its first read is a hit', async () => {
    await redis.del('jarvis:cache:notes:count');
    const [second] = await startReadyInstances([8], { CACHE_TTL_MS: '60000' });
    assert.equal((await stats(second)).cached, true);
    assert.equal(await metric(second, 'jarvis_cache_misses_total', 'cache="notes"'), 0);
    await second.stop();
    await redis.del('jarvis:cache:notes:count');
  });
});
