// The seed's PostgreSQL scripts, run as the seed writes them, on the stack's own cluster:
// `create-replica.sh 5433 replica1` (its order, <port> <name>, and ours, <name> <port>), a
// port in use refused with nothing changed, and every subcommand of manage-replication.sh
// the seed shows: start-all, stop-all, status and promote replica1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { temporalAddress, ports } from '../../testkit/ports';
import { pgPort, pgWorkerEnv, waitClusterHealthy, writableNow, useHealthyPgSession } from '../../testkit/pg-cluster';
import { repoRoot, stateDir, taskQueueFor } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';
import { withWorkerEnv } from '../../testkit/workers';

const script = (name: string) => path.join(repoRoot, 'infra', 'postgres', name);
const run = (name: string, args: string[], env: Record<string, string> = {}) =>
  runTool('bash', [script(name), ...args], { env: { ...process.env, ...env }, timeoutMs: 120_000 });
const dataRoot = process.env.PG_DATA_ROOT ?? path.join(stateDir, 'postgres');
const nodeConf = (name: string) => readFileSync(path.join(dataRoot, name, 'jarvis-node.conf'), 'utf8');

describe("the seed's PostgreSQL scripts", () => {
  useHealthyPgSession();
  // create-replica.sh makes standbys of the server named primary, as in the seed's layout; an
  // earlier file may have left another server primary (any of the three may be), and this file
  // itself ends with replica1 promoted. Put primary back first, through our own switchover.
  before(async () => {
    if ((await waitClusterHealthy()) === 'primary') return;
    const taskQueue = taskQueueFor('seed scripts layout');
    await withWorkerEnv(taskQueue, pgWorkerEnv(), async () => {
      const back = await run('manage-replication.sh', ['promote', 'primary'], { TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: temporalAddress });
      assert.equal(back.code, 0, back.stderr + back.stdout);
    });
    assert.equal(await waitClusterHealthy(60_000), 'primary');
  });

  it('create-replica.sh takes the seed order <port> <name> and ours, and a rerun on a running replica changes nothing', async () => {
    const port = String(pgPort('replica1'));
    const before = nodeConf('replica1');
    for (const args of [
      [port, 'replica1'],
      ['replica1', port],
    ]) {
      const r = await run('create-replica.sh', args);
      assert.equal(r.code, 0, `create-replica.sh ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`replica1: already running on 127.0.0.1:${port}`));
    }
    assert.equal(nodeConf('replica1'), before);
    await waitClusterHealthy(10_000);
  });

  it('create-replica.sh refuses a port in use, naming it, and changes nothing', async () => {
    const before = nodeConf('replica2');
    const taken = String(ports.redis[0]); // a Redis node of the stack listens there
    const r = await run('create-replica.sh', [taken, 'replica2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`port ${taken} is in use by another program \\(not replica2\\)`));
    assert.equal(nodeConf('replica2'), before, "replica2's settings are untouched");
    const bad = await run('create-replica.sh', ['replica1']);
    assert.match(bad.stderr, /usage: .* <port> <name>/);
    await waitClusterHealthy(10_000);
  });

  it('manage-replication.sh status, stop-all, status (exit 3), start-all, status', async () => {
    const up = await run('manage-replication.sh', ['status']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /streaming \| quorum/);
    const stop = await run('manage-replication.sh', ['stop-all']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(await writableNow(), [], 'no server answers after stop-all');
    const down = await run('manage-replication.sh', ['status']);
    assert.equal(down.code, 3, 'status exits 3 while a server is down');
    assert.match(down.stdout, /primary +127\.0\.0\.1:\d+ +down/);
    const start = await run('manage-replication.sh', ['start-all']);
    assert.equal(start.code, 0, start.stderr);
    await waitClusterHealthy(60_000);
    const again = await run('manage-replication.sh', ['status']);
    assert.equal(again.code, 0, again.stderr);
  });

  it('manage-replication.sh promote replica1 makes replica1 the primary through pgSwitchover', async () => {
    const taskQueue = taskQueueFor('manage-replication promote');
    const env = { TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: temporalAddress };
    await withWorkerEnv(taskQueue, pgWorkerEnv(), async () => {
      // From a cluster where replica1 is a standby, as in the seed's example.
      if ((await waitClusterHealthy()) === 'replica1') {
        const back = await run('manage-replication.sh', ['promote', 'primary'], env);
        assert.equal(back.code, 0, back.stderr + back.stdout);
      }
      const r = await run('manage-replication.sh', ['promote', 'replica1'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /replica1/);
      assert.equal(await waitClusterHealthy(60_000), 'replica1');
    });
    const bad = await run('manage-replication.sh', ['promote', 'replica9'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown server name: replica9/);
  });
});
