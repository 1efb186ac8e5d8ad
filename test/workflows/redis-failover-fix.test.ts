// redisFailover swaps a master and its replica (and back); redisFix closes a slot left open,
// and refuses, changing nothing, when it cannot be sure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverageProblems } from '../../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID, type RedisProgress } from '../../contracts/redis';
import { assertFailsWith } from '../../testkit/failures';
import { ports } from '../../testkit/ports';
import { clusterView, extraNodeFolders, redisWorkerEnv, withNode } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor } from '../../testkit/stack';
import { withWorkerEnv } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

describe('redisFailover and redisFix', () => {
  const session = useTemporalSession({ prepare: (client) => restoreBaseCluster(client), cleanUp: (client) => restoreBaseCluster(client) });
  const taskQueue = taskQueueFor('redis failover and fix');

  const run = (type: string, input: unknown) =>
    session.client.workflow.execute(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });

  it('fails over to a replica and back, the roles swapping each time', async () => {
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const view = await clusterView();
      const replica = view.nodes.find((n) => n.role === 'replica');
      assert.ok(replica?.masterId);
      const oldMaster = view.nodes.find((n) => n.id === replica.masterId);
      const first = await run('redisFailover', { replicaId: replica.id });
      assert.deepEqual(first, { newMaster: `127.0.0.1:${replica.port}`, oldMaster: `127.0.0.1:${oldMaster?.port}` });
      const swapped = await clusterView(replica.port);
      assert.equal(swapped.nodes.find((n) => n.id === replica.id)?.role, 'master');
      assert.equal(swapped.nodes.find((n) => n.id === oldMaster?.id)?.masterId, replica.id);
      const back = await run('redisFailover', { replicaId: oldMaster?.id });
      assert.equal(back.newMaster, `127.0.0.1:${oldMaster?.port}`);
    });
  });

  it('closes a slot left importing on a node that holds none of its keys, and refuses a slot it cannot be sure about', async () => {
    const view = await clusterView();
    const [a, b] = view.nodes.filter((n) => n.role === 'master');
    const slot = b.slots[0][0];
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      // An interrupted reshard's first step: the target imports, the source never migrated.
      await withNode(a.port, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', b.id));
      assert.equal(coverageProblems([await clusterView(a.port)]).length, 1, 'the slot is open');
      const dry = await run('redisFix', { dryRun: true });
      assert.deepEqual(dry.actions, [{ slot, kind: 'close', node: a.id }]);
      const fixed = await run('redisFix', {});
      assert.equal(fixed.actions.length, 1);
      assert.deepEqual(coverageProblems([await clusterView(a.port)]), [], 'no slot is open');

      // Both nodes importing the same slot from each other's view: no rule covers it.
      const other = b.slots[0][0] + 1;
      await withNode(a.port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'IMPORTING', b.id));
      const third = view.nodes.filter((n) => n.role === 'master')[2];
      await withNode(third.port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'IMPORTING', b.id));
      try {
        await assertFailsWith(
          run('redisFix', {}),
          'FixRefused',
          new RegExp(`redisFix changed nothing: 1 slot\\(s\\) need a person: slot ${other}`),
        );
        const still = coverageProblems([await clusterView(a.port), await clusterView(third.port)]);
        assert.equal(still.length, 2, 'the refused run changed nothing');
      } finally {
        for (const port of [a.port, third.port]) await withNode(port, (r) => r.call('CLUSTER', 'SETSLOT', String(other), 'STABLE'));
      }
    });
  });

  it('pauses a reshard at a chunk boundary, reports it in the progress query, and resumes to the end', async () => {
    const view = await clusterView();
    const [a, b] = view.nodes.filter((n) => n.role === 'master');
    const first = a.slots[0][0];
    const ranges = [`${first}-${first + 119}`];
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const handle = await session.client.workflow.start('redisReshard', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ target: b.id, ranges, slotsPerActivity: 10, slotConcurrency: 1 }],
      });
      const deadline = Date.now() + 60_000;
      let progress = await handle.query<RedisProgress>('progress');
      while (progress.slotsDone < 10 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        progress = await handle.query<RedisProgress>('progress');
      }
      await handle.signal('pause');
      // The chunk in flight finishes; then nothing moves while paused.
      let paused = await handle.query<RedisProgress>('progress');
      while (paused.inFlight.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        paused = await handle.query<RedisProgress>('progress');
      }
      assert.equal(paused.paused, true);
      await new Promise((r) => setTimeout(r, 1500));
      const later = await handle.query<RedisProgress>('progress');
      assert.equal(later.slotsDone, paused.slotsDone, 'no slot moved while paused');
      assert.ok(later.slotsDone < 120, `paused before the end (${later.slotsDone} of 120)`);
      await handle.signal('resume');
      const result = await handle.result();
      assert.equal(result.slotsMoved, 120);
      // Put them back, so the next test file finds the layout it expects.
      await session.client.workflow.execute('redisReshard', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ target: a.id, ranges }] });
    });
  });

  it('adds a node as a replica of a master ("auto") and removes it again, its folder deleted', async () => {
    const port = ports.redisExtra[0];
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const added = await run('redisAddNode', { port, replicaOf: 'auto' });
      assert.equal(added.role, 'replica');
      const view = await clusterView();
      const node = view.nodes.find((n) => n.id === added.nodeId);
      assert.equal(node?.role, 'replica');
      assert.equal(node?.masterId, added.masterId);
      assert.equal(view.nodes.find((n) => n.id === added.masterId)?.role, 'master');
      const removed = await run('redisRemoveNode', { nodeId: added.nodeId });
      assert.equal(removed.slotsMoved, 0);
      assert.deepEqual(extraNodeFolders(), []);
    });
  });
});
