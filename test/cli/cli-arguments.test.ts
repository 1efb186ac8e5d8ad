// jarvis-scale's argument checks and what it starts, without a worker: bad arguments exit 2
// with a message naming the field and start nothing; an unreachable Temporal exits 3; the
// PostgreSQL and Redis commands start their workflow types with the exact input shapes of
// policy/postgres/pg-input.ts and policy/redis/redis-input.ts (checked on a task queue no worker serves,
// because those workflows live on their own branches).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { clusterNodes } from '../../read-models/redis-nodes';
import { createClients } from '../../activities';
import { cliJson as json, runCli } from '../../testkit/cli';
import { ports } from '../../testkit/ports';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { startedWith, terminateIfRunning } from './started-input';

async function runIdOf(client: Client, workflowId: string): Promise<string | null> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.runId,
      () => null,
    );
}

describe('jarvis-scale arguments, exit codes and started inputs', () => {
  let client: Client;
  let connection: Connection;
  before(async () => ({ client, connection } = await temporalClient()));
  after(async () => {
    for (const id of ['pg-failover/main', 'redis-topology/cache']) await terminateIfRunning(client, id);
    await connection.close();
  });

  const badCases: Array<{ args: string[]; message: RegExp; workflowId: string }> = [
    { args: ['scale', 'jarvis-app', '--to', 'many'], message: /--to must be a whole number, got "many"/, workflowId: 'scale/jarvis-app' },
    // A count outside [MIN_INSTANCES, MAX_INSTANCES] is refused by scaleTo inside the mutex (test/workflows/scale-to.test.ts).
    { args: ['scale', 'jarvis-app', '--to', '-1'], message: /to must not be negative/, workflowId: 'scale/jarvis-app' },
    { args: ['scale', 'Not_A_Service', '--to', '3'], message: /unknown service "Not_A_Service"/, workflowId: 'scale/Not_A_Service' },
    { args: ['scale', 'jarvis-app'], message: /required option '--to <n>' not specified/, workflowId: 'scale/jarvis-app' },
    { args: ['drain', 'jarvis-app'], message: /instance must be an instance name such as "jarvis-app-3"/, workflowId: 'scale/jarvis-app' },
    { args: ['rollout', 'jarvis-app', '--version', 'v 2'], message: /version must be letters, digits/, workflowId: 'scale/jarvis-app' },
    { args: ['rollout', 'jarvis-app'], message: /rollout needs --version/, workflowId: 'scale/jarvis-app' },
    {
      args: ['switchover', '--to', 'replica9'],
      message: /target must be one of: primary, replica1, replica2/,
      workflowId: 'pg-failover/main',
    },
    {
      args: ['reshard', '--slots', '0', '--to', 'a'.repeat(40)],
      message: /slots must be at least 1|slots must be a whole number from 1/,
      workflowId: 'redis-topology/cache',
    },
    { args: ['reshard', '--slots', '10', '--to', 'node-x'], message: /"node-x" is neither a node id/, workflowId: 'redis-topology/cache' },
    {
      args: ['add-node', '--port', '80'],
      message: /port must be (at least 1024|a whole number from 1024)/,
      workflowId: 'redis-topology/cache',
    },
    { args: ['redis-failover'], message: /required option '--replica <node>' not specified/, workflowId: 'redis-topology/cache' },
    { args: ['redis-failover', '--replica', 'node-x'], message: /"node-x" is neither a node id/, workflowId: 'redis-topology/cache' },
    {
      args: ['redis-failover', '--replica', 'a'.repeat(40), '--timeout', '0'],
      message: /timeoutSeconds must be at least 1/,
      workflowId: 'redis-topology/cache',
    },
    { args: ['autoscale', 'stop'], message: /autoscale takes pause or resume, got "stop"/, workflowId: 'scale/jarvis-app' },
    { args: ['history', '--limit', '0'], message: /--limit must be a whole number of at least 1/, workflowId: 'scale/jarvis-app' },
    { args: ['frobnicate'], message: /unknown command 'frobnicate'/, workflowId: 'scale/jarvis-app' },
  ];

  for (const c of badCases) {
    it(`exits 2 with a clear message and starts nothing: jarvis-scale ${c.args.join(' ')}`, async () => {
      const before = await runIdOf(client, c.workflowId);
      const run = await runCli(c.args);
      assert.equal(run.code, 2, run.stderr + run.stdout);
      assert.match(run.stderr, c.message);
      assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
      assert.equal(await runIdOf(client, c.workflowId), before, 'nothing was started');
    });
  }

  it('says the error as JSON with --json', async () => {
    const run = await runCli(['--json', 'switchover', '--to', 'replica9']);
    assert.equal(run.code, 2);
    const body = json(run.stdout);
    assert.equal(body.ok, false);
    assert.equal(body.error.exitCode, 2);
    assert.match(body.error.message, /target must be one of/);
    assert.match(body.error.fix, /--to replica2/);
  });

  it('exits 3 when Temporal cannot be reached, naming the address and the fix', async () => {
    // A port that was just free: nothing listens there.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runCli(['status'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${port}`));
    assert.match(run.stderr, /fix: start the stack/);
  });

  describe("PostgreSQL and Redis commands start their workflows with the schemas' input shapes", () => {
    const unserved = taskQueueFor('cli started inputs unserved');
    const start = async (args: string[]) => {
      const run = await runCli(['--json', '--no-wait', '--task-queue', unserved, ...args]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const body = json(run.stdout);
      assert.equal(body.state, 'started');
      return body;
    };

    it('failover starts pgFailover {cluster:"main"} under pg-failover/main, and a second one exits 4', async () => {
      await terminateIfRunning(client, 'pg-failover/main');
      const body = await start(['failover']);
      assert.equal(body.workflowId, 'pg-failover/main');
      assert.deepEqual(await startedWith(client, 'pg-failover/main'), {
        type: 'pgFailover',
        taskQueue: unserved,
        input: { cluster: 'main' },
      });
      const busy = await runCli(['--no-wait', '--task-queue', unserved, 'switchover', '--to', 'replica2']);
      assert.equal(busy.code, 4, busy.stderr);
      await terminateIfRunning(client, 'pg-failover/main');
    });

    it('switchover --to replica2 starts pgSwitchover {cluster:"main", target:"replica2"}', async () => {
      await start(['switchover', '--to', 'replica2']);
      assert.deepEqual(await startedWith(client, 'pg-failover/main'), {
        type: 'pgSwitchover',
        taskQueue: unserved,
        input: { cluster: 'main', target: 'replica2' },
      });
      await terminateIfRunning(client, 'pg-failover/main');
    });

    it('reshard, rebalance, add-node, remove-node, redis-failover and redis-fix start the Redis workflows with node ids resolved from ports', async () => {
      const clients = createClients(testWorkerConfig());
      let nodes;
      try {
        nodes = await clusterNodes(clients.cluster());
      } finally {
        await clients.close();
      }
      const byPort = (port: number) => nodes.find((n) => n.address === `127.0.0.1:${port}`)!.id;
      const masters = nodes
        .filter((n) => n.flags.includes('master'))
        .map((n) => Number(n.address.split(':')[1]))
        .sort();
      const [a, b, c] = masters;

      await start(['reshard', '--slots', '100', '--from', `${a},127.0.0.1:${b}`, '--to', String(c)]);
      assert.deepEqual(await startedWith(client, 'redis-topology/cache'), {
        type: 'redisReshard',
        taskQueue: unserved,
        input: { target: byPort(c), sources: [byPort(a), byPort(b)], slots: 100 },
      });
      await terminateIfRunning(client, 'redis-topology/cache');

      await start(['rebalance', '--dry-run']);
      assert.deepEqual((await startedWith(client, 'redis-topology/cache')).input, { dryRun: true, useEmptyMasters: false });
      await terminateIfRunning(client, 'redis-topology/cache');

      const extra = ports.redis[5] + 1;
      await start(['add-node', '--port', String(extra)]);
      assert.deepEqual(await startedWith(client, 'redis-topology/cache'), {
        type: 'redisAddNode',
        taskQueue: unserved,
        input: { port: extra },
      });
      await terminateIfRunning(client, 'redis-topology/cache');

      await start(['remove-node', String(a)]);
      assert.deepEqual(await startedWith(client, 'redis-topology/cache'), {
        type: 'redisRemoveNode',
        taskQueue: unserved,
        input: { nodeId: byPort(a) },
      });
      await terminateIfRunning(client, 'redis-topology/cache');

      const replica = nodes.find((n) => !n.flags.includes('master'))!;
      await start(['redis-failover', '--replica', replica.address, '--timeout', '30']);
      assert.deepEqual(await startedWith(client, 'redis-topology/cache'), {
        type: 'redisFailover',
        taskQueue: unserved,
        input: { replicaId: replica.id, timeoutSeconds: 30 },
      });
      await terminateIfRunning(client, 'redis-topology/cache');

      await start(['redis-fix', '--dry-run']);
      assert.deepEqual(await startedWith(client, 'redis-topology/cache'), {
        type: 'redisFix',
        taskQueue: unserved,
        input: { dryRun: true },
      });
      await terminateIfRunning(client, 'redis-topology/cache');
    });
  });
});
