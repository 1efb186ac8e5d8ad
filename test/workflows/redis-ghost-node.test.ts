// A ghost node: redisRemoveNode sends CLUSTER FORGET while a replica is dead, so that replica
// never forgets the removed node and, once restarted, lists it again (and would gossip it back
// to the others once their 60 s FORGET ban ends; chaos seed 1 trial 2, docs/chaos.md).
// redisFix must forget it on every node. The replica is killed from inside the worker, just
// before the removal's replica step, so the removal's preflight saw a healthy cluster and its
// FORGET meets the dead node, as in the chaos trial.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities, createClients } from '../../activities';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { connectTemporalNative } from '../../config/temporal-connect';
import { workflowSource } from '../../config/workflow-source';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import type { RedisFixResult } from '../../workflows/redis/redis-fix';
import { ports } from '../../testkit/ports';
import { clusterView, redisWorkerEnv } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { redisPid, restartRedisNode } from '../chaos/fault-targets';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const began = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - began > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(250);
  }
}

/** A worker whose first repointRedisReplicas SIGKILLs `victimPort` (when given) and waits until another node sees it failing. */
async function withVictimWorker<T>(taskQueue: string, victimPort: number | undefined, fn: () => Promise<T>): Promise<T> {
  const config = testWorkerConfig({ TASK_QUEUE: taskQueue, ...redisWorkerEnv() });
  const connection = await connectTemporalNative(config.temporal);
  const clients = createClients(config);
  const activities = createActivities(config, await chooseOrchestrator(config, clients.docker), clients);
  let killed = false;
  const repoint = activities.repointRedisReplicas;
  activities.repointRedisReplicas = async (input) => {
    if (!killed && victimPort !== undefined) {
      killed = true;
      process.kill(redisPid(victimPort), 'SIGKILL');
      const peer = ports.redis.find((p) => p !== victimPort) as number;
      await until(`node ${victimPort} is seen failing`, 30_000, async () =>
        (await clusterView(peer)).nodes.find((n) => n.port === victimPort)?.failing ? true : undefined,
      );
    }
    return repoint(input);
  };
  try {
    const worker = await Worker.create({ connection, namespace: config.namespace, taskQueue, activities, ...workflowSource() });
    return await worker.runUntil(fn());
  } finally {
    await clients.close();
    await connection.close();
  }
}

async function fixThenRestore(client: Client, taskQueue: string): Promise<void> {
  await withVictimWorker(taskQueue, undefined, () =>
    client.workflow.execute('redisFix', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{}] }),
  ).catch(() => undefined);
  await restoreBaseCluster(client);
}

describe('redisFix forgets a ghost node that a dead node kept through a removal', () => {
  const taskQueue = taskQueueFor('redis ghost node');
  const session = useTemporalSession({
    prepare: (client) => fixThenRestore(client, taskQueue),
    cleanUp: (client) => fixThenRestore(client, taskQueue),
  });
  const run = (type: string, input: unknown) =>
    session.client.workflow.execute(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });

  it('a replica dead during redisRemoveNode lists the removed node once back; redisFix forgets it on every node', async () => {
    const replica = (await clusterView()).nodes.find((n) => n.role === 'replica' && ports.redis.includes(n.port));
    assert.ok(replica, 'a base replica');
    const { nodeId } = await withVictimWorker(taskQueue, replica.port, async () => {
      const added = (await run('redisAddNode', { port: ports.redisExtra[0] })) as { nodeId: string };
      await run('redisRemoveNode', { nodeId: added.nodeId });
      return added;
    });
    await restartRedisNode(replica.port);

    // The plant: the restarted replica never got the FORGET, so it still lists the removed node.
    const ghost = await until('the restarted replica lists the removed node as failing', 30_000, async () =>
      (await clusterView(replica.port)).nodes.find((n) => n.id === nodeId && n.failing),
    );
    assert.equal(ghost.slots.length, 0);

    const fixed = (await withVictimWorker(taskQueue, undefined, () => run('redisFix', {}))) as RedisFixResult;
    assert.deepEqual(
      fixed.ghosts?.filter((g) => g.id === nodeId).map((g) => [g.forget, g.reason]),
      [[true, 'GhostUnreachable']],
      JSON.stringify(fixed),
    );
    for (const port of ports.redis) {
      const view = await clusterView(port);
      assert.equal(view.nodes.length, 6, `node ${port} knows 6 nodes: ${view.nodes.map((n) => n.port).join(', ')}`);
      assert.ok(!view.nodes.some((n) => n.id === nodeId), `node ${port} still lists the ghost`);
    }
    // Members are never forgotten: the restarted replica and the other five are all still there.
    assert.ok(
      fixed.ghosts?.every((g) => g.id === nodeId),
      JSON.stringify(fixed.ghosts),
    );
  });
});
