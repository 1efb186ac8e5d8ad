// The app instances' Redis ACL user (infra/redis/lib.sh): on every node, added nodes
// too; the reference app works with it alone (sessions, registry, locks, the topology
// channel) without one refused command; and it is refused every admin command and every
// key outside jarvis:*. The control plane keeps the default user.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import Redis, { Cluster } from 'ioredis';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { adminHeaders, cleanUpInstances, startReadyInstances } from '../../testkit/app-instances';
import { ports } from '../../testkit/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv, withNode } from '../../testkit/redis';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

const APP_USER = 'jarvis-app';

/** The app's credentials, from the instances' own secrets file. */
function appCredentials(): { username: string; password: string } {
  const text = readFileSync(testWorkerConfig().appSecretsFile, 'utf8');
  const value = (key: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(`${key}=`))
      ?.slice(key.length + 1) ?? '';
  return { username: value('REDIS_USERNAME'), password: value('REDIS_APP_PASSWORD') };
}

function asApp<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  // No ready check: it sends INFO, which the app's user may not run.
  return withNode(port, fn, { ...appCredentials(), maxRetriesPerRequest: 0, enableReadyCheck: false });
}

/** The user's rules on one node, its command list sorted (each node orders it its own way). */
async function aclUser(port: number): Promise<string> {
  const reply = (await withNode(port, (r) => r.call('ACL', 'GETUSER', APP_USER))) as unknown[];
  assert.ok(Array.isArray(reply), `node ${port} has no user ${APP_USER}`);
  const fields = Object.fromEntries(Array.from({ length: reply.length / 2 }, (_, i) => [String(reply[2 * i]), reply[2 * i + 1]]));
  fields.commands = String(fields.commands).split(' ').sort().join(' ');
  return JSON.stringify(fields);
}

/** Admin commands, each of which the app user must be refused (sent to a master). */
const ADMIN_COMMANDS: string[][] = [
  ['CONFIG', 'GET', 'requirepass'],
  ['CONFIG', 'SET', 'maxmemory', '1'],
  ['FLUSHALL'],
  ['FLUSHDB'],
  ['DEBUG', 'SLEEP', '0'],
  ['CLUSTER', 'SETSLOT', '0', 'STABLE'],
  ['CLUSTER', 'RESET', 'SOFT'],
  ['CLUSTER', 'FORGET', 'a'.repeat(40)],
  ['CLUSTER', 'MEET', '127.0.0.1', '1'],
  ['ACL', 'LIST'],
  ['ACL', 'SETUSER', APP_USER, '+@all'],
  ['SHUTDOWN', 'NOSAVE'],
  ['MIGRATE', '127.0.0.1', '1', 'jarvis:x', '0', '100'],
  ['KEYS', '*'],
  ['REPLICAOF', 'NO', 'ONE'],
  ['SAVE'],
  ['MONITOR'],
  ['CLIENT', 'KILL', 'TYPE', 'normal'],
];

describe("the app instances' Redis ACL user", () => {
  let client: Client;
  let connection: Connection;
  before(async () => {
    ({ client, connection } = await temporalClient());
    await assertBaseCluster();
  });
  after(async () => {
    await cleanUpInstances();
    await assertBaseCluster();
    await connection.close();
  });

  it('exists on every node with its own password, keys and channels under jarvis:* only', async () => {
    const { username, password } = appCredentials();
    assert.equal(username, APP_USER);
    assert.ok(password.length >= 16, 'REDIS_APP_PASSWORD is in app-secrets.env');
    const secrets = readFileSync(testWorkerConfig().appSecretsFile, 'utf8');
    for (const key of ['REDIS_PASSWORD=', 'PG_SUPERUSER_PASSWORD=', 'PG_REPLICATION_PASSWORD='])
      assert.ok(!secrets.includes(key), `app-secrets.env holds no ${key}`);
    const base = await aclUser(ports.redis[0]);
    assert.match(base, /"~jarvis:\*"/);
    assert.match(base, /"&jarvis:\*"/);
    assert.match(base, /-@all/);
    for (const port of ports.redis) assert.equal(await aclUser(port), base, `node ${port} has the same rules`);
  });

  it('is refused every admin command and any key outside jarvis:*, on a master', async () => {
    const master = (await clusterView()).nodes.find((n) => n.role === 'master')!;
    await asApp(master.port, async (redis) => {
      assert.equal(await redis.ping(), 'PONG');
      for (const command of ADMIN_COMMANDS) {
        // DEBUG is also off for every user (enable-debug-command no): either refusal will do.
        await assert.rejects(
          redis.call(command[0], ...command.slice(1)),
          command[0] === 'DEBUG' ? /NOPERM|DEBUG command not allowed/ : /NOPERM/,
          `${command.join(' ')} must be refused`,
        );
      }
      // A key of another slot answers MOVED or NOPERM; NOPERM is checked before the slot, so the refusal is certain.
      await assert.rejects(redis.call('SET', 'other:key', '1'), /NOPERM/);
      await assert.rejects(redis.call('GET', 'secret-of-someone-else'), /NOPERM/);
    });
    assert.equal((await clusterView()).nodes.length, 6, 'nothing in the cluster changed');
  });

  it('is all the reference app needs: sessions, registry, locks and the topology channel work, with no refusal logged', async () => {
    for (const port of ports.redis) await withNode(port, (r) => r.call('ACL', 'LOG', 'RESET'));
    const [instance] = await startReadyInstances([7]);
    const cookieRes = await fetch(`${instance.url}/api/session/counter`, { method: 'POST' });
    assert.equal(cookieRes.status, 200, await cookieRes.text());
    const cookie = cookieRes.headers.get('set-cookie')!.split(';')[0];
    const again = await fetch(`${instance.url}/api/session/counter`, { method: 'POST', headers: { cookie } });
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { visits: number }).visits, 2);
    const job = await fetch(`${instance.url}/api/jobs/acl-check/run`, { method: 'POST', headers: { cookie } });
    assert.ok([200, 202].includes(job.status), `job run answered ${job.status}: ${await job.text()}`);
    const status = await fetch(`${instance.url}/api/admin/status`, { headers: adminHeaders() });
    assert.equal(((await status.json()) as { status: string }).status, 'ready');
    // The instance is connected as jarvis-app, and no node logged a refusal.
    const clients = await Promise.all(ports.redis.map((port) => withNode(port, (r) => r.call('CLIENT', 'LIST') as Promise<string>)));
    assert.ok(
      clients.some((list) => list.includes(`user=${APP_USER}`)),
      'the instance is connected as jarvis-app',
    );
    for (const [i, port] of ports.redis.entries()) {
      const log = (await withNode(port, (r) => r.call('ACL', 'LOG'))) as unknown[];
      assert.deepEqual(
        log,
        [],
        `node ${port} refused the app something: ${JSON.stringify(log)} (clients: ${clients[i].split('\n').length})`,
      );
    }
  });

  it('is on a node that redisAddNode adds later, and the control plane still operates the cluster', async () => {
    const taskQueue = taskQueueFor('redis acl added node');
    const port = ports.redisExtra[3];
    await withWorker(
      taskQueue,
      async () => {
        const added = (await client.workflow.execute('redisAddNode', {
          taskQueue,
          workflowId: REDIS_MUTEX_ID,
          args: [{ port, replicaOf: 'auto' }],
        })) as { nodeId: string };
        try {
          assert.equal(await aclUser(port), await aclUser(ports.redis[0]), 'the added node has the app user');
          await asApp(port, async (redis) => assert.equal(await redis.ping(), 'PONG'));
        } finally {
          await client.workflow.execute('redisRemoveNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ nodeId: added.nodeId }] });
        }
      },
      redisWorkerEnv(),
    );
  });

  it('lets a Cluster client of the app user read and write its own keys across slots', async () => {
    const { username, password } = appCredentials();
    const cluster = new Cluster(
      ports.redis.map((p) => ({ host: '127.0.0.1', port: p })),
      { redisOptions: { username, password } },
    );
    cluster.on('error', () => undefined);
    try {
      for (let i = 0; i < 20; i++) await cluster.set(`jarvis:acl-test:{${i}}`, String(i), 'EX', 30);
      for (let i = 0; i < 20; i++) assert.equal(await cluster.get(`jarvis:acl-test:{${i}}`), String(i));
      await assert.rejects(cluster.set('acl-test:outside', '1'), /NOPERM/);
    } finally {
      await cluster.quit().catch(() => cluster.disconnect());
    }
  });
});
