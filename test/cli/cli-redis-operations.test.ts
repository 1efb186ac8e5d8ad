// jarvis-scale redis-failover and redis-fix against the real Redis Cluster with an in-process
// worker: the live progress line, --json results, exit codes (1 when redisFix refuses, 2 when
// redisFailover is given a master, 4 when the cluster's mutex is held) and the cluster left as it was found.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { coverageProblems } from '../../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { cliJson as json, runCli } from '../../testkit/cli';
import { clusterView, redisWorkerEnv, withNode } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor, temporalClient } from '../../testkit/stack';
import { withWorkerEnv } from '../../testkit/workers';
import { terminateIfRunning } from './started-input';

describe('jarvis-scale redis-failover and redis-fix against the real cluster', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = taskQueueFor('cli redis operations');
  const cli = (args: string[]) => runCli(['--task-queue', taskQueue, ...args], redisWorkerEnv(), 180_000);
  before(async () => {
    ({ client, connection } = await temporalClient());
    await restoreBaseCluster(client);
  });
  after(async () => {
    await terminateIfRunning(client, REDIS_MUTEX_ID);
    await restoreBaseCluster(client);
    await connection.close();
  });

  it("redis-failover promotes a replica named by port (--json), then fails back with a live progress line, and refuses a master with exit 2 (the workflow's InvalidInput)", async () => {
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const view = await clusterView();
      const replica = view.nodes.find((n) => n.role === 'replica' && n.masterId)!;
      const master = view.nodes.find((n) => n.id === replica.masterId)!;

      const first = await cli(['--json', 'redis-failover', '--replica', String(replica.port)]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const body = json(first.stdout);
      assert.deepEqual([body.ok, body.workflowType, body.state], [true, 'redisFailover', 'completed']);
      assert.deepEqual(body.input, { replicaId: replica.id });
      assert.deepEqual(body.result, { newMaster: `127.0.0.1:${replica.port}`, oldMaster: `127.0.0.1:${master.port}` });
      const swapped = await clusterView(replica.port);
      assert.equal(swapped.nodes.find((n) => n.id === replica.id)?.role, 'master');
      assert.equal(swapped.nodes.find((n) => n.id === master.id)?.masterId, replica.id);

      const back = await cli(['redis-failover', '--replica', `127.0.0.1:${master.port}`, '--timeout', '60']);
      assert.equal(back.code, 0, back.stderr + back.stdout);
      assert.match(back.stdout, /started redisFailover as workflow redis-topology\/cache/);
      assert.match(back.stderr, /\[(preflight|failover|done)\]/, "the live progress line shows the workflow's step");
      assert.match(back.stdout, new RegExp(`done: .*"newMaster":"127\\.0\\.0\\.1:${master.port}"`));
      assert.equal((await clusterView(master.port)).nodes.find((n) => n.id === master.id)?.role, 'master');

      const refused = await cli(['redis-failover', '--replica', String(master.port)]);
      // The workflow fails with InvalidInput (it changed nothing), which the CLI maps to exit 2.
      assert.equal(refused.code, 2, refused.stderr + refused.stdout);
      assert.match(refused.stderr, /is a master; name one of its replicas/);
      assert.doesNotMatch(refused.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
    });
  });

  it('redis-fix --dry-run reports an open slot without touching it, redis-fix closes it, and an unsure case exits 1 changing nothing', async () => {
    const view = await clusterView();
    const [a, b, c] = view.nodes.filter((n) => n.role === 'master');
    const slot = b.slots[0][0];
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      await withNode(a.port, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', b.id));
      const dry = await cli(['--json', 'redis-fix', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr + dry.stdout);
      assert.deepEqual(json(dry.stdout).result, { dryRun: true, actions: [{ slot, kind: 'close', node: a.id }], ghosts: [] });
      assert.equal(coverageProblems([await clusterView(a.port)]).length, 1, 'the dry run left the slot open');

      const fixed = await cli(['redis-fix']);
      assert.equal(fixed.code, 0, fixed.stderr + fixed.stdout);
      assert.match(fixed.stdout, /done: .*"kind":"close"/);
      assert.deepEqual(coverageProblems([await clusterView(a.port)]), [], 'no slot is open');

      // Two nodes importing the same slot: no rule of redisFix covers it.
      const other = slot + 1;
      await withNode(a.port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'IMPORTING', b.id));
      await withNode(c.port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'IMPORTING', b.id));
      try {
        const refused = await cli(['--json', 'redis-fix']);
        assert.equal(refused.code, 1, refused.stderr + refused.stdout);
        const error = json(refused.stdout).error;
        assert.equal(error.exitCode, 1);
        assert.match(error.message, new RegExp(`slot ${other}`));
        assert.equal(coverageProblems([await clusterView(a.port), await clusterView(c.port)]).length, 2, 'the refused run changed nothing');
      } finally {
        for (const port of [a.port, c.port]) await withNode(port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'STABLE'));
      }
    });
  });

  it('exits 4 and starts nothing while another Redis operation holds redis-topology/cache', async () => {
    const holder = await client.workflow.start('redisFix', {
      taskQueue: taskQueueFor('cli redis unserved'),
      workflowId: REDIS_MUTEX_ID,
      args: [{ dryRun: true }],
    });
    try {
      for (const args of [
        ['redis-fix', '--dry-run'],
        ['redis-failover', '--replica', 'a'.repeat(40)],
      ]) {
        const busy = await cli(args);
        assert.equal(busy.code, 4, busy.stderr);
        assert.match(busy.stderr, /another operation holds redis-topology\/cache/);
      }
      assert.equal(
        (await client.workflow.getHandle(REDIS_MUTEX_ID).describe()).runId,
        holder.firstExecutionRunId,
        'no second run was started',
      );
    } finally {
      await terminateIfRunning(client, REDIS_MUTEX_ID);
    }
  });
});
