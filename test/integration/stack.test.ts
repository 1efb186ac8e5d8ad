// The local stack is real: quorum-replicated PostgreSQL, a 6-node Redis Cluster with a
// password, nginx, Prometheus and the Temporal server with its search attributes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import Redis, { Cluster } from 'ioredis';
import { Client as PgClient } from 'pg';
import { stackSecrets, temporalClient } from '../helpers/stack';

const pgUrl = (user: string, password: string, port: number) =>
  `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${user === 'postgres' ? 'postgres' : 'jarvis'}`;

async function withPg<T>(url: string, fn: (pg: PgClient) => Promise<T>): Promise<T> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    return await fn(pg);
  } finally {
    await pg.end();
  }
}

describe('the local stack', () => {
  const secrets = stackSecrets();
  let client: Client;
  let connection: Connection;
  before(async () => ({ client, connection } = await temporalClient()));
  after(async () => connection.close());

  it('runs PostgreSQL with two replicas in synchronous quorum', async () => {
    const rows = await withPg(pgUrl('postgres', secrets.PG_SUPERUSER_PASSWORD, 5432), async (pg) => {
      const setting = await pg.query('SHOW synchronous_standby_names');
      assert.equal(setting.rows[0].synchronous_standby_names, 'ANY 1 (replica1, replica2)');
      const walHints = await pg.query('SHOW wal_log_hints');
      assert.equal(walHints.rows[0].wal_log_hints, 'on');
      return (await pg.query('SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name')).rows;
    });
    assert.deepEqual(rows, [
      { application_name: 'replica1', state: 'streaming', sync_state: 'quorum' },
      { application_name: 'replica2', state: 'streaming', sync_state: 'quorum' },
    ]);
  });

  it('replicates an acknowledged write to both replicas, which refuse writes themselves', async () => {
    const marker = `stack-test-${Date.now()}`;
    await withPg(pgUrl('jarvis', secrets.PG_APP_PASSWORD, 5432), async (pg) => {
      await pg.query('CREATE TABLE IF NOT EXISTS stack_check (marker text PRIMARY KEY)');
      await pg.query('INSERT INTO stack_check VALUES ($1)', [marker]);
    });
    for (const port of [5433, 5434]) {
      await withPg(pgUrl('jarvis', secrets.PG_APP_PASSWORD, port), async (pg) => {
        assert.equal((await pg.query('SELECT pg_is_in_recovery() AS r')).rows[0].r, true);
        let found = 0;
        for (let i = 0; i < 50 && !found; i++) {
          found = (await pg.query('SELECT count(*)::int AS n FROM stack_check WHERE marker = $1', [marker])).rows[0].n;
          if (!found) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(found, 1, `replica on ${port} has the row`);
        await assert.rejects(pg.query('INSERT INTO stack_check VALUES ($1)', [`${marker}-x`]), /read-only transaction/);
      });
    }
  });

  it('refuses a wrong PostgreSQL password', async () => {
    await assert.rejects(withPg(pgUrl('jarvis', 'wrong-password', 5432), async () => undefined), /password authentication failed/);
  });

  it('runs a Redis Cluster of 3 masters and 3 replicas covering all 16384 slots, behind a password', async () => {
    const nodes = [0, 1, 2, 3, 4, 5].map((i) => ({ host: '127.0.0.1', port: 7000 + i }));
    const cluster = new Cluster(nodes, { redisOptions: { password: secrets.REDIS_PASSWORD }, lazyConnect: true });
    try {
      await cluster.connect();
      const info = String(await cluster.cluster('INFO'));
      assert.match(info, /cluster_state:ok/);
      assert.match(info, /cluster_slots_assigned:16384/);
      assert.match(info, /cluster_known_nodes:6/);
      const lines = String(await cluster.cluster('NODES')).trim().split('\n');
      assert.equal(lines.filter((l) => l.includes('master')).length, 3);
      assert.equal(lines.filter((l) => l.includes('slave')).length, 3);
      await cluster.set('stack-test', 'ok');
      assert.equal(await cluster.get('stack-test'), 'ok');
    } finally {
      cluster.disconnect();
    }
    const anonymous = new Redis({ host: '127.0.0.1', port: 7000, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await assert.rejects(anonymous.ping(), /NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });

  it('runs nginx and Prometheus on loopback', async () => {
    const nginx = await fetch('http://127.0.0.1:8080/nginx-health');
    assert.equal(await nginx.text(), 'ok\n');
    const prom = await fetch('http://127.0.0.1:9090/-/ready');
    assert.equal(prom.status, 200);
    // Prometheus lists its targets after its first discovery pass; give it a few seconds.
    const wanted = ['jarvis-worker', 'prometheus', 'temporal-server'];
    let jobs: string[] = [];
    for (let i = 0; i < 100 && wanted.some((job) => !jobs.includes(job)); i++) {
      const targets = (await (await fetch('http://127.0.0.1:9090/api/v1/targets')).json()) as { data: { activeTargets: Array<{ labels: { job: string } }> } };
      jobs = [...new Set(targets.data.activeTargets.map((t) => t.labels.job))].sort();
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const job of wanted) assert.ok(jobs.includes(job), `Prometheus scrapes ${job}; it has ${jobs.join(', ')}`);
  });

  it('registers the Service and Operation search attributes in Temporal', async () => {
    const response = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    assert.equal(response.customAttributes?.Service, 2); // INDEXED_VALUE_TYPE_KEYWORD
    assert.equal(response.customAttributes?.Operation, 2);
  });
});
