// Bad input to the Redis topology workflows fails at once, non-retryable, with a message
// naming the field, and leaves the cluster exactly as it was.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { slotOwners } from '../../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { assertFailsWith } from '../../testkit/failures';
import { ports } from '../../testkit/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv, withNode } from '../../testkit/redis';
import { repoRoot, stateDir, taskQueueFor, temporalClient } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

const run = promisify(execFile);

/** Node ids, roles and slot owners: what a refused operation must leave unchanged. */
async function fingerprint(): Promise<string> {
  const v = await clusterView();
  return JSON.stringify({ nodes: v.nodes.map((n) => [n.id, n.role, n.masterId]), owners: slotOwners(v) });
}

describe('Redis topology workflows refuse bad input and change nothing', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = taskQueueFor('redis bad input');
  const strayPort = ports.redisExtra[1];

  before(async () => {
    ({ client, connection } = await temporalClient());
    await assertBaseCluster();
  });
  after(async () => {
    await run('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), 'stop-node', String(strayPort)], {
      env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    }).catch(() => undefined);
    rmSync(path.join(stateDir, 'redis', String(strayPort)), { recursive: true, force: true });
    await assertBaseCluster();
    await connection.close();
  });

  const start = (type: string, input: unknown) => client.workflow.execute(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });

  it('fails each bad request with its own non-retryable type', async () => {
    const view = await clusterView();
    const masters = view.nodes.filter((n) => n.role === 'master');
    const replica = view.nodes.find((n) => n.role === 'replica');
    assert.ok(replica && masters.length === 3);
    const owned = masters[0].slots.reduce((n, [a, b]) => n + b - a + 1, 0);
    const before = await fingerprint();

    await withWorker(
      taskQueue,
      async () => {
        await assertFailsWith(
          start('redisReshard', { target: '0'.repeat(40), slots: 10 }),
          'UnknownNode',
          /target: 0{40} is not a node of the cluster/,
        );
        await assertFailsWith(
          start('redisReshard', { target: masters[1].id, sources: [masters[0].id], slots: owned + 1 }),
          'NotEnoughSlots',
          new RegExp(`count: ${owned + 1} slots requested but the sources own only ${owned}`),
        );
        await assertFailsWith(start('redisReshard', { target: replica.id, slots: 10 }), 'NotAMaster', /target: .* is a replica/);
        await assertFailsWith(
          start('redisReshard', { target: masters[1].id, ranges: ['16000-16384'] }),
          'InvalidInput',
          /ranges: "16000-16384" is not a slot range within 0\.\.16383/,
        );
        await assertFailsWith(
          start('redisAddNode', { port: ports.redis[1] }),
          'NodeNotEmpty',
          new RegExp(`port: 127.0.0.1:${ports.redis[1]} is already a node of the cluster`),
        );
        await assertFailsWith(
          start('redisAddNode', { address: `127.0.0.1:${ports.redis[2]}` }),
          'NodeNotEmpty',
          new RegExp(`address: 127.0.0.1:${ports.redis[2]} is already a node of the cluster`),
        );
        await assertFailsWith(
          start('redisAddNode', { address: '127.0.0.1:' }),
          'InvalidInput',
          /address: "127\.0\.0\.1:" has no valid port/,
        );
        await assertFailsWith(start('redisRemoveNode', { nodeId: masters[0].id }), 'InvalidInput', /nodeId: .* is base node/);
        await assertFailsWith(start('redisFailover', { replicaId: masters[0].id }), 'InvalidInput', /replicaId: .* is a master/);

        // A stray node that serves a slot of its own is not empty: it is never met.
        await run('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), 'start-node', String(strayPort)], {
          env: { ...process.env, JARVIS_STATE_DIR: stateDir },
        });
        await withNode(strayPort, (r) => r.call('CLUSTER', 'ADDSLOTS', '0'));
        await assertFailsWith(
          start('redisAddNode', { port: strayPort }),
          'NodeNotEmpty',
          new RegExp(`port: the node on 127.0.0.1:${strayPort} is not empty \\(knows 1 nodes, serves 1 slots`),
        );
      },
      redisWorkerEnv(),
    );
    assert.equal(await fingerprint(), before, 'the cluster is unchanged');
    assert.equal((await clusterView()).nodes.length, 6, 'the stray node was not met');
  });
});
