// redisRebalance after adding two empty masters: the dry run moves nothing, the real run ends
// with every master within the 2 % threshold; then both nodes are removed again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { slotCount, slotOwners } from '../../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { ports } from '../../testkit/ports';
import { clusterView, redisWorkerEnv } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor, temporalClient } from '../../testkit/stack';
import { withWorkerEnv } from '../../testkit/workers';

describe('redisRebalance onto empty masters', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = taskQueueFor('redis rebalance');
  const added: string[] = [];

  before(async () => {
    ({ client, connection } = await temporalClient());
    await restoreBaseCluster(client);
  });
  after(async () => {
    // Leave the base cluster whole even when an assertion failed half-way.
    await restoreBaseCluster(client);
    await connection.close();
  });

  it('spreads the slots over five masters within the threshold, and a dry run moves nothing', async () => {
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      for (const port of ports.redisExtra.slice(0, 2)) {
        const result = await client.workflow.execute('redisAddNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ port }] });
        added.push(result.nodeId);
      }
      const beforeOwners = JSON.stringify(slotOwners(await clusterView()));

      const dry = await client.workflow.execute('redisRebalance', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ useEmptyMasters: true, dryRun: true }],
      });
      assert.equal(dry.dryRun, true);
      assert.equal(dry.withinThresholdBefore, false);
      assert.ok(
        dry.moves.length >= 2,
        `the plan moves slots: ${JSON.stringify(dry.moves.map((m: { source: string; target: string; slots: number }) => [m.source, m.target, m.slots]))}`,
      );
      assert.equal(JSON.stringify(slotOwners(await clusterView())), beforeOwners, 'a dry run moves nothing');

      const wet = await client.workflow.execute('redisRebalance', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ useEmptyMasters: true }],
      });
      const planned = dry.moves.reduce((n: number, m: { slots: number }) => n + m.slots, 0);
      assert.equal(wet.slotsMoved, planned, 'the run moved what the dry run planned');
      const masters = (await clusterView()).nodes.filter((n) => n.role === 'master');
      assert.equal(masters.length, 5);
      for (const m of masters) {
        const owned = slotCount(m.slots);
        const share = 16384 / 5;
        assert.ok((Math.abs(owned - share) / share) * 100 <= 2, `127.0.0.1:${m.port} owns ${owned} slots, more than 2 % from ${share}`);
      }
      process.stdout.write(`# rebalance moved ${wet.slotsMoved} slots; masters own ${masters.map((m) => slotCount(m.slots)).join(', ')}\n`);
      const again = await client.workflow.execute('redisRebalance', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ useEmptyMasters: true, dryRun: true }],
      });
      assert.equal(again.withinThresholdBefore, true, 'a second rebalance finds nothing to do');
    });
  });
});
