// A ghost node: every node lists `host:port master,fail` with no slots for a node whose process
// and folder are gone (chaos seed 1 trial 2, docs/chaos.md: a removal whose CLUSTER FORGET a
// dead node missed; FORGET bans a node for 60 s only). redisFix must forget it on every node,
// and must not forget a member that is only down (a killed replica, dead at the same time).
//
// The ghost is planted as the chaos run left it: an added empty master SIGKILLed and its folder
// deleted. (Planting it through redisRemoveNode with a replica killed before the FORGET, as
// docs/chaos.md first guessed, does not make one on Redis 7.0: the restarted replica no longer
// listed the removed node within 30 s, three tries.)
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import type { RedisFixResult } from '../../workflows/redis/redis-fix';
import { ports } from '../../testkit/ports';
import { clusterView, redisWorkerEnv } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { stateDir, taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';
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

describe('redisFix forgets a ghost node, and keeps a member that is only down', () => {
  const taskQueue = taskQueueFor('redis ghost node');
  const fixThenRestore = async () => {
    await withWorker(taskQueue, () => run('redisFix', {}), redisWorkerEnv()).catch(() => undefined);
    await restoreBaseCluster(session.client);
  };
  const session = useTemporalSession({ prepare: fixThenRestore, cleanUp: fixThenRestore });
  const run = (type: string, input: unknown) =>
    session.client.workflow.execute(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });

  it('forgets a failed empty master nothing answers for on every node; a dead replica stays', async () => {
    const extraPort = ports.redisExtra[0];
    const { nodeId } = (await withWorker(taskQueue, () => run('redisAddNode', { port: extraPort }), redisWorkerEnv())) as {
      nodeId: string;
    };
    for (const port of ports.redis)
      await until(`${port} knows the added node`, 30_000, async () =>
        (await clusterView(port)).nodes.some((n) => n.id === nodeId && !n.failing) ? true : undefined,
      );
    const replica = (await clusterView()).nodes.find((n) => n.role === 'replica' && ports.redis.includes(n.port));
    assert.ok(replica, 'a base replica');

    // The plant: the added node dies and its folder goes; a base replica dies too.
    process.kill(redisPid(extraPort), 'SIGKILL');
    rmSync(path.join(stateDir, 'redis', String(extraPort)), { recursive: true, force: true });
    process.kill(redisPid(replica.port), 'SIGKILL');
    const live = ports.redis.filter((p) => p !== replica.port);
    await until('every live node lists the ghost and the replica as failing', 60_000, async () => {
      const views = await Promise.all(live.map((p) => clusterView(p)));
      const failing = (id: string) => views.every((v) => v.nodes.find((n) => n.id === id)?.failing);
      return failing(nodeId) && failing(replica.id) ? true : undefined;
    });

    const fixed = (await withWorker(taskQueue, () => run('redisFix', {}), redisWorkerEnv())) as RedisFixResult;
    const decided = Object.fromEntries((fixed.ghosts ?? []).map((g) => [g.id, [g.forget, g.reason]]));
    assert.deepEqual(decided, { [nodeId]: [true, 'GhostUnreachable'], [replica.id]: [false, 'IsReplica'] }, JSON.stringify(fixed));
    for (const port of live) {
      const view = await clusterView(port);
      assert.ok(!view.nodes.some((n) => n.id === nodeId), `node ${port} still lists the ghost`);
      assert.ok(
        view.nodes.some((n) => n.id === replica.id),
        `node ${port} forgot the dead replica, a member`,
      );
    }

    await restartRedisNode(replica.port);
    await until('the replica is back and all six agree on six nodes', 120_000, async () => {
      const views = await Promise.all(ports.redis.map((p) => clusterView(p)));
      return views.every((v) => v.nodes.length === 6 && !v.nodes.some((n) => n.failing)) ? true : undefined;
    });
  });
});
