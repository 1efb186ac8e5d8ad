// Acknowledged Redis writes across a crash failover (issue 17, item 4), on the stack's real
// 6-node cluster: two writers run at once, one counting a write acknowledged when the master
// answers (plain), one only when `WAIT 1` confirmed it (app/lib/confirmed-write.ts). A master
// is SIGKILLed mid-load and the cluster promotes its one replica by itself. Plain writes may be
// lost (replication is asynchronous): the count is reported. WAIT-1-confirmed writes must not
// be: 0 lost. The file restarts the killed node, gives it its master role back with a planned
// CLUSTER FAILOVER (no write lost), and leaves the cluster whole.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { address, type ClusterNode } from '../../policy/redis/redis-cluster-view';
import { nodeFolderName } from '../../policy/redis/redis-node-address';
import { redisLayout } from '../../testkit/ports';
import { assertBaseCluster, clusterView, withNode } from '../../testkit/redis';
import { DEFAULT_CONFIRMATION, UnconfirmedWriteError, writeConfirmed } from '../../app/lib/confirmed-write';
import { createRedisCluster } from '../../shared/redis-cluster';
import { redisNodes } from '../../testkit/ports';
import { ListWriter } from '../../testkit/redis-writer';
import { repoRoot, stackSecrets, stateDir } from '../../testkit/stack';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEYS = 3_000;
const CONFIRM = { replicas: 1, timeoutMs: 500 };

/** Polls the view from `from` until `ok` holds for it, or fails after `timeoutMs`. */
async function waitForView(from: ClusterNode, what: string, ok: (nodes: ClusterNode[]) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const view = await clusterView(from).catch(() => undefined);
    if (view && ok(view.nodes)) return;
    await sleep(200);
  }
  assert.fail(`timed out waiting until ${what}`);
}

const nodeState = (nodes: ClusterNode[], id: string) => nodes.find((n) => n.id === id);

/** CLUSTER FAILOVER on the rejoined node until it is a master again (a first request can time out while its link settles). */
async function giveMasterRoleBack(node: ClusterNode, witness: ClusterNode): Promise<void> {
  for (let attempt = 1; attempt <= 6; attempt++) {
    const info = await withNode(node, (r) => r.call('INFO', 'replication') as Promise<string>);
    if (/master_link_status:up/.test(info)) await withNode(node, (r) => r.call('CLUSTER', 'FAILOVER'));
    const ok = await waitForView(
      witness,
      `${address(node)} is a master again`,
      (nodes) => nodeState(nodes, node.id)?.role === 'master',
      8_000,
    )
      .then(() => true)
      .catch(() => false);
    if (ok) return;
  }
  assert.fail(`${address(node)} did not take its master role back`);
}

describe('acknowledged Redis writes across a crash failover', () => {
  let plain: ListWriter;
  let confirmed: ListWriter;
  before(async () => {
    await assertBaseCluster();
  });
  after(async () => {
    plain?.close();
    confirmed?.close();
    await assertBaseCluster(60_000);
  });

  it('loses no WAIT-1-confirmed write when a master is SIGKILLed and its replica takes over; counts the plain writes lost', async () => {
    const view = await clusterView();
    const master = view.nodes.find((n) => n.role === 'master' && n.slots.length > 0)!;
    const replica = view.nodes.find((n) => n.masterId === master.id)!;
    const witness = view.nodes.find((n) => n.id !== master.id && n.id !== replica.id && n.role === 'master')!;
    assert.ok(replica, `${address(master)} has a replica`);

    plain = new ListWriter(KEYS, 4, { prefix: 'wait-test-plain' });
    confirmed = new ListWriter(KEYS, 4, { prefix: 'wait-test-confirmed', confirm: CONFIRM });
    await Promise.all([plain.populate(), confirmed.populate()]);
    plain.start();
    confirmed.start();
    await sleep(2_000);

    const pidFile = path.join(stateDir, 'redis', nodeFolderName(redisLayout, master), 'redis.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await waitForView(witness, `${address(replica)} is promoted`, (nodes) => nodeState(nodes, replica.id)?.role === 'master');
    const failoverMs = Date.now() - killedAt;
    await sleep(1_000); // writes go on against the new master
    const [plainReport, confirmedReport] = await Promise.all([plain.stop(), confirmed.stop()]);

    const plainLoss = await plain.countLost();
    const confirmedLoss = await confirmed.countLost();
    process.stdout.write(
      `# SIGKILL ${address(master)} -> ${address(replica)} promoted in ${failoverMs} ms; ` +
        `plain: ${plainLoss.acknowledged} acknowledged, ${plainLoss.lost} lost, ${plainReport.errors} failed; ` +
        `WAIT 1: ${confirmedLoss.acknowledged} confirmed, ${confirmedLoss.lost} lost, ${confirmed.unconfirmed} unconfirmed, ${confirmedReport.errors} failed\n`,
    );
    assert.ok(confirmedLoss.acknowledged > 100, 'the confirmed writer made progress');
    assert.equal(confirmedLoss.lost, 0, 'no WAIT-1-confirmed write is lost across the crash failover');

    // The checker can fail: a confirmed write recorded but never written is counted as lost.
    confirmed.plantLostWrite(7);
    assert.equal((await confirmed.countLost()).lost, 1, 'a planted lost write is reported');

    // Put the cluster back: the killed node restarts from its files, rejoins as a replica of the
    // promoted one, and takes its master role back with a planned failover.
    await run('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), 'start-node', address(master)], {
      env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    });
    await waitForView(witness, `${address(master)} replicates ${address(replica)}`, (nodes) => {
      const n = nodeState(nodes, master.id);
      return n?.role === 'replica' && !n.failing;
    });
    await giveMasterRoleBack(master, witness);
    await Promise.all([plain.cleanup(), confirmed.cleanup()]);
  });

  it('is open to the app: its ACL user may WAIT, and a timeout that no replica meets reports failure', async () => {
    const secrets = stackSecrets();
    const app = createRedisCluster({ nodes: redisNodes, username: 'jarvis-app', password: secrets.REDIS_APP_PASSWORD });
    try {
      const key = 'jarvis:wait-test';
      const [reply] = await writeConfirmed(app, key, (p) => p.set(key, '1', 'PX', 60_000), DEFAULT_CONFIRMATION);
      assert.equal(reply, 'OK');
      // Two replicas are asked of a master that has one: WAIT answers 1 after the timeout.
      await assert.rejects(
        writeConfirmed(app, key, (p) => p.set(key, '2', 'PX', 60_000), { replicas: 2, timeoutMs: 200 }),
        (error: unknown) => error instanceof UnconfirmedWriteError && error.acknowledgedBy === 1,
      );
      await app.del(key);
    } finally {
      app.disconnect();
    }
  });
});
