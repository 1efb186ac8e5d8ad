// The local stack is real: quorum-replicated PostgreSQL, a 6-node Redis Cluster with a
// password, nginx, Prometheus and the Temporal server with its search attributes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import Redis, { Cluster } from 'ioredis';
import { Client as PgClient } from 'pg';
import { ports } from '../../testkit/ports';
import { stackSecrets, temporalClient } from '../../testkit/stack';

const pgUrl = (user: string, password: string, port: number) =>
  `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${user === 'postgres' ? 'postgres' : 'jarvis'}`;

const pgPorts = () => [ports.pgPrimary, ports.pgReplica1, ports.pgReplica2];

/** Later tests may fail over, so the primary is whichever server is not in recovery. */
async function findPrimary(password: string): Promise<{ primary: number; replicas: number[] }> {
  const roles = await Promise.all(
    pgPorts().map((port) =>
      withPg(pgUrl('postgres', password, port), async (pg) => (await pg.query('SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean),
    ),
  );
  const primaries = pgPorts().filter((_, i) => !roles[i]);
  assert.equal(primaries.length, 1, `exactly one writable server, found ${primaries.join(', ') || 'none'}`);
  return { primary: primaries[0], replicas: pgPorts().filter((_, i) => roles[i]) };
}

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
    const { primary } = await findPrimary(secrets.PG_SUPERUSER_PASSWORD);
    const rows = await withPg(pgUrl('postgres', secrets.PG_SUPERUSER_PASSWORD, primary), async (pg) => {
      const setting = await pg.query('SHOW synchronous_standby_names');
      assert.equal(setting.rows[0].synchronous_standby_names, 'ANY 1 (primary, replica1, replica2)');
      const walHints = await pg.query('SHOW wal_log_hints');
      assert.equal(walHints.rows[0].wal_log_hints, 'on');
      return (await pg.query('SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name')).rows;
    });
    assert.equal(rows.length, 2, JSON.stringify(rows));
    for (const row of rows) assert.deepEqual([row.state, row.sync_state], ['streaming', 'quorum'], JSON.stringify(row));
  });

  it('replicates an acknowledged write to both replicas, which refuse writes themselves', async () => {
    const marker = `stack-test-${Date.now()}`;
    const { primary, replicas } = await findPrimary(secrets.PG_SUPERUSER_PASSWORD);
    await withPg(pgUrl('jarvis', secrets.PG_APP_PASSWORD, primary), async (pg) => {
      await pg.query('CREATE TABLE IF NOT EXISTS stack_check (marker text PRIMARY KEY)');
      await pg.query('INSERT INTO stack_check VALUES ($1)', [marker]);
    });
    for (const port of replicas) {
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
    await assert.rejects(
      withPg(pgUrl('jarvis', 'wrong-password', ports.pgPrimary), async () => undefined),
      /password authentication failed/,
    );
  });

  it('runs a Redis Cluster of 3 masters and 3 replicas covering all 16384 slots, behind a password', async () => {
    const nodes = ports.redis.map((port) => ({ host: '127.0.0.1', port }));
    const cluster = new Cluster(nodes, { redisOptions: { password: secrets.REDIS_PASSWORD }, lazyConnect: true });
    try {
      await cluster.connect();
      const info = String(await cluster.cluster('INFO'));
      assert.match(info, /cluster_state:ok/);
      assert.match(info, /cluster_slots_assigned:16384/);
      assert.match(info, /cluster_known_nodes:6/);
      const lines = String(await cluster.cluster('NODES'))
        .trim()
        .split('\n');
      assert.equal(lines.filter((l) => l.includes('master')).length, 3);
      assert.equal(lines.filter((l) => l.includes('slave')).length, 3);
      await cluster.set('stack-test', 'ok');
      assert.equal(await cluster.get('stack-test'), 'ok');
    } finally {
      cluster.disconnect();
    }
    const anonymous = new Redis({ host: '127.0.0.1', port: ports.redis[0], lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await assert.rejects(anonymous.ping(), /NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });

  it('runs nginx and Prometheus on loopback', async () => {
    const nginx = await fetch(`http://127.0.0.1:${ports.nginx}/nginx-health`);
    assert.equal(await nginx.text(), 'ok\n');
    const prom = await fetch(`http://127.0.0.1:${ports.prometheus}/-/ready`);
    assert.equal(prom.status, 200);
    // Prometheus lists its targets after its first discovery pass; give it a few seconds.
    const wanted = ['jarvis-worker', 'jarvis-worker-sdk', 'prometheus', 'temporal-server'];
    let jobs: string[] = [];
    for (let i = 0; i < 100 && wanted.some((job) => !jobs.includes(job)); i++) {
      const targets = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`)).json()) as {
        data: { activeTargets: Array<{ labels: { job: string } }> };
      };
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
