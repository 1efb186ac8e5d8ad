// The chaos invariant checks can fail: each is shown a platform broken on purpose (an
// orphan instance process, an open Redis slot, a lost PostgreSQL row) and must say so, then
// hold again once the damage is undone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnStandInInstance } from './stand-in-instance';
import Dockerode from 'dockerode';
import { createClients, createOrchestrator } from '../../activities';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { pgPort, waitClusterHealthy, withPg, Writer } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { clusterView, withNode } from '../../testkit/redis';
import { testWorkerConfig } from '../../testkit/stack';
import { countWithinBounds, noOrphanOrDuplicate } from './invariants/instances';
import { noAcknowledgedRowLost } from './invariants/postgres';
import { slotsCoveredNoneOpen } from './invariants/redis';
import { completedOrFailedClearly } from './invariants/workflow-outcome';

describe('chaos invariant checks', () => {
  it('bound the instance count by [min, max], and by max + 1 only during an update', () => {
    const bounds = { min: 2, max: 4 };
    assert.equal(countWithinBounds(1, bounds, false).ok, false);
    assert.equal(countWithinBounds(2, bounds, false).ok, true);
    assert.equal(countWithinBounds(5, bounds, false).ok, false);
    assert.equal(countWithinBounds(5, bounds, true).ok, true);
    assert.equal(countWithinBounds(6, bounds, true).ok, false);
  });

  it('accept a completed workflow or a typed failure with a message, and nothing else', () => {
    assert.equal(completedOrFailedClearly({ status: 'COMPLETED', unreachablePolls: 0 }).ok, true);
    assert.equal(
      completedOrFailedClearly({
        status: 'FAILED',
        failure: { type: 'InstanceUnhealthy', message: 'jarvis-app-4 did not answer /api/health within 60 s' },
        unreachablePolls: 0,
      }).ok,
      true,
    );
    assert.equal(
      completedOrFailedClearly({ status: 'FAILED', failure: { type: '', message: 'something went wrong here' }, unreachablePolls: 0 }).ok,
      false,
    );
    assert.equal(completedOrFailedClearly({ status: 'TERMINATED', unreachablePolls: 0 }).ok, false);
    assert.equal(completedOrFailedClearly({ status: 'RUNNING after 240000 ms', unreachablePolls: 0 }).ok, false);
  });

  it("see an instance process that is not in nginx's upstream as an orphan", async () => {
    const before = await noOrphanOrDuplicate(SERVICE);
    assert.equal(before.ok, true, before.detail);
    // Any process carrying an instance's labels counts: a stand-in that sleeps is enough.
    const orphan = spawnStandInInstance(99, 'orphan', 60);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const seen = await noOrphanOrDuplicate(SERVICE);
      assert.equal(seen.ok, false);
      assert.match(seen.detail, /orphan: jarvis-app-99/);
    } finally {
      orphan.kill('SIGKILL');
      await new Promise((r) => orphan.once('exit', r));
    }
    assert.equal((await noOrphanOrDuplicate(SERVICE)).ok, true);
  });

  it('see a stopped container the orchestrator still lists as an orphan', async (t) => {
    const config = testWorkerConfig();
    if ((await chooseOrchestrator(config, new Dockerode({ socketPath: config.dockerSocket }))) !== 'docker') {
      process.stdout.write('# skipped: only the docker driver keeps a stopped instance (no Docker Engine answers here)\n');
      return t.skip('docker driver only');
    }
    const clients = createClients(config);
    const orchestrator = createOrchestrator('docker', config, clients);
    const name = `${SERVICE}-98`;
    try {
      await orchestrator.ensureInstanceStarted({ service: SERVICE, name, port: config.appBasePort + 98, version: 'orphan' });
      await orchestrator.stopInstance(name, 10);
      const seen = await noOrphanOrDuplicate(SERVICE);
      assert.equal(seen.ok, false);
      assert.match(seen.detail, /orphan: the orchestrator still has jarvis-app-98 \(stopped\)/);
    } finally {
      await orchestrator.removeInstance(name);
      await clients.close();
    }
    assert.equal((await noOrphanOrDuplicate(SERVICE)).ok, true);
  });

  it('see an open Redis slot, and a closed one again', async () => {
    const view = await clusterView();
    const [owner, other] = view.nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
    const slot = owner.slots[0][0];
    assert.equal((await slotsCoveredNoneOpen(ports.redis[0], 0)).ok, true);
    await withNode(owner.port, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', other.id));
    try {
      const seen = await slotsCoveredNoneOpen(ports.redis[0], 0);
      assert.equal(seen.ok, false);
      assert.match(seen.detail, new RegExp(`SlotOpen: slot ${slot} is migrating`));
    } finally {
      await withNode(owner.port, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE'));
    }
    assert.equal((await slotsCoveredNoneOpen(ports.redis[0], 10_000)).ok, true);
  });

  it('see an acknowledged PostgreSQL row that is gone from the primary', async () => {
    const primary = await waitClusterHealthy();
    const writer = await Writer.create('chaos_invariant_check');
    writer.start();
    await writer.waitForAcks(20);
    await writer.stop();
    assert.equal((await noAcknowledgedRowLost(writer, primary)).ok, true);
    const lost = writer.acked[3].n;
    await withPg(pgPort(primary), 'jarvis', (pg) => pg.query('DELETE FROM chaos_invariant_check WHERE n = $1', [lost]));
    const seen = await noAcknowledgedRowLost(writer, primary);
    assert.equal(seen.ok, false);
    assert.match(seen.detail, new RegExp(`1 missing on ${primary}: ${lost}`));
    await withPg(pgPort(primary), 'jarvis', (pg) => pg.query('DROP TABLE chaos_invariant_check'));
  });
});
