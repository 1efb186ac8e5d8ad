import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { Client } from 'pg';
import { TOPOLOGY_CHANNEL, topologyKey } from '../../app/lib/pg-topology';
import { adminHeaders, cleanUpInstances, eventually, startReadyInstances, testRedis, type AppInstance } from '../../testkit/app-instances';
import { ports } from '../../testkit/ports';
import { stackSecrets } from '../../testkit/stack';

interface DbView {
  epoch: number | null;
  replicas: { name: string; eligible: boolean; lagMs: number | null }[];
}

async function dbView(app: AppInstance): Promise<DbView> {
  return (await (await fetch(`${app.url}/api/admin/db`, { headers: adminHeaders() })).json()) as DbView;
}

async function servedByOfReads(app: AppInstance, count: number): Promise<string[]> {
  const servedBy: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${app.url}/api/notes`);
    assert.equal(res.status, 200);
    servedBy.push(((await res.json()) as { servedBy: string }).servedBy);
  }
  return servedBy;
}

function superuser(port: number): Client {
  return new Client({ host: '127.0.0.1', port, user: 'postgres', password: stackSecrets().PG_SUPERUSER_PASSWORD, database: 'jarvis' });
}

describe('read/write splitting with a lagging replica', () => {
  let app: AppInstance;
  let redis: Cluster;
  before(async () => {
    redis = testRedis();
    [app] = await startReadyInstances([1], { REPLICA_MAX_LAG_MS: '500' });
    await eventually('both replicas eligible', async () => ((await dbView(app)).replicas.every((r) => r.eligible) ? true : undefined));
  });
  after(async () => {
    await cleanUpInstances();
    await redis.quit();
  });

  it('reads from the replicas, leaves out one whose replay is paused, and keeps read-your-writes', async () => {
    const before = await servedByOfReads(app, 40);
    assert.deepEqual(
      [...new Set(before)].sort(),
      ['replica1', 'replica2'],
      'reads go to both replicas, never the primary, while they keep up',
    );

    const replica1 = superuser(ports.pgReplica1);
    await replica1.connect();
    try {
      await replica1.query('SELECT pg_wal_replay_pause()');
      // A session writes a note; its next reads must see it although replica1 does not have it.
      const created = await fetch(`${app.url}/api/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'written while replica1 is paused' }),
      });
      assert.equal(created.status, 201);
      const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
      const { id } = (await created.json()) as { id: number };
      const seenBy: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${app.url}/api/notes/${id}`, { headers: { cookie } });
        const body = (await res.json()) as { servedBy: string; note?: { text: string } };
        assert.equal(res.status, 200, `read ${i} of the session's own write: ${JSON.stringify(body)}`);
        assert.equal(body.note?.text, 'written while replica1 is paused');
        seenBy.push(body.servedBy);
      }
      assert.ok(!seenBy.includes('replica1'), `read-your-writes never used replica1: ${seenBy.join(',')}`);
      const onReplica1 = await replica1.query('SELECT count(*)::int AS n FROM notes WHERE id = $1', [id]);
      assert.equal(onReplica1.rows[0].n, 0, 'replica1 really lags: it has not replayed the note');

      // Past the 500 ms threshold replica1 is left out of every read.
      await eventually(
        'replica1 left out for lag',
        async () => {
          const view = await dbView(app);
          return view.replicas.find((r) => r.name === 'replica1')?.eligible === false ? view : undefined;
        },
        10_000,
      );
      const during = await servedByOfReads(app, 40);
      assert.ok(!during.includes('replica1'), `no read went to the lagging replica: ${[...new Set(during)].join(',')}`);
      assert.ok(during.includes('replica2'), 'the healthy replica still serves reads');
    } finally {
      await replica1.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await replica1.end();
    }
    await eventually(
      'replica1 back once replay resumes',
      async () => ((await dbView(app)).replicas.every((r) => r.eligible) ? true : undefined),
      10_000,
    );
  });

  it('follows the topology the control plane publishes, ignoring an older epoch', async () => {
    const key = topologyKey('main');
    const original = await redis.get(key);
    const baseEpoch = original ? (JSON.parse(original) as { epoch: number }).epoch : 0;
    const node = (name: string, port: number) => ({ name, host: '127.0.0.1', port });
    const publish = async (epoch: number, replicas: { name: string; host: string; port: number }[]) => {
      const text = JSON.stringify({
        cluster: 'main',
        epoch,
        primary: node('primary', ports.pgPrimary),
        replicas,
        updatedAt: new Date().toISOString(),
      });
      await redis.set(key, text);
      await redis.publish(TOPOLOGY_CHANNEL, text);
    };
    try {
      await publish(baseEpoch + 1, [node('replica2', ports.pgReplica2)]);
      await eventually('the new topology applied', async () => ((await dbView(app)).epoch === baseEpoch + 1 ? true : undefined), 5_000);
      await eventually('replica2 eligible in the new topology', async () =>
        (await dbView(app)).replicas.every((r) => r.eligible) ? true : undefined,
      );
      assert.deepEqual([...new Set(await servedByOfReads(app, 20))], ['replica2']);

      // A stale message (a lower epoch) changes nothing.
      await redis.publish(
        TOPOLOGY_CHANNEL,
        JSON.stringify({
          cluster: 'main',
          epoch: baseEpoch,
          primary: node('primary', ports.pgPrimary),
          replicas: [node('replica1', ports.pgReplica1)],
          updatedAt: new Date().toISOString(),
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
      const view = await dbView(app);
      assert.equal(view.epoch, baseEpoch + 1);
      assert.deepEqual(
        view.replicas.map((r) => r.name),
        ['replica2'],
      );
    } finally {
      if (original === null) await redis.del(key);
      else await redis.set(key, original);
    }
  });
});
