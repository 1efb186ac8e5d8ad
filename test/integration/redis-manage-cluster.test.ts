// Every manage-cluster.sh subcommand the seed shows (start, stop, status, info), run as the
// seed writes them on the stack's own Redis Cluster, which is whole again afterwards.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ports } from '../../testkit/ports';
import { assertBaseCluster, withNode } from '../../testkit/redis';
import { repoRoot } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';

const manage = (command: string) =>
  runTool('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), command], { timeoutMs: 120_000 });

const answers = (port: number) =>
  withNode(port, async (r) => (await r.ping()) === 'PONG', { connectTimeout: 500, maxRetriesPerRequest: 0 }).catch(() => false);

describe("the seed's manage-cluster.sh", () => {
  after(() => assertBaseCluster(60_000));

  it('status and info describe the running cluster', async () => {
    await assertBaseCluster();
    const status = await manage('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /cluster_state: ok/);
    assert.equal((status.stdout.match(/ up +master /g) ?? []).length, 3, status.stdout);
    assert.equal((status.stdout.match(/ up +replica /g) ?? []).length, 3, status.stdout);
    const info = await manage('info');
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /== CLUSTER INFO/);
    assert.match(info.stdout, /cluster_slots_ok:16384/);
    assert.match(info.stdout, /\[OK\] All 16384 slots covered/);
  });

  it('stop shuts every node down, status says so, and start brings the same cluster back', async () => {
    const stop = await manage('stop');
    assert.equal(stop.code, 0, stop.stderr);
    for (const port of ports.redis) assert.equal(await answers(port), false, `node ${port} still answers after stop`);
    const status = await manage('status');
    assert.equal((status.stdout.match(/ down /g) ?? []).length, 6, status.stdout);
    const start = await manage('start');
    assert.equal(start.code, 0, start.stderr);
    await assertBaseCluster(60_000);
  });
});
