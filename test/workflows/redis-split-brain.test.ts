// Split-brain for real: one master keeps keys of a slot it no longer claims while another
// master claims that slot with a bumped config epoch and takes writes of its own. For
// `redis-cli --cluster fix --cluster-search-multiple-owners` both own the slot (7.0.15 then
// fails to move the claimant's keys: MIGRATE answers MOVED). redisFix plans, resolves it the
// way redis-cli decides (most keys; the higher config epoch on a tie), loses no key, and
// refuses, changing nothing, when one key name is on both masters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { coverageProblems, type ClusterNode } from '../../policy/redis/redis-cluster-view';
import { assertFailsWith } from '../../testkit/failures';
import { ports } from '../../testkit/ports';
import { clusterView, redisCliCheck, redisWorkerEnv, withNode } from '../../testkit/redis';
import { restoreBaseCluster } from '../../testkit/redis-restore';
import { taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { withWorkerEnv } from '../../testkit/workers';

const written = new Map<string, string>();

async function slotOf(tag: string): Promise<{ slot: number; holder: ClusterNode; claimant: ClusterNode }> {
  const slot = Number(await withNode(ports.redis[0], (r) => r.call('CLUSTER', 'KEYSLOT', `{${tag}}`)));
  const masters = (await clusterView()).nodes.filter((n) => n.role === 'master');
  const holder = masters.find((m) => m.slots.some(([a, b]) => a <= slot && slot <= b));
  assert.ok(holder, `slot ${slot} has an owner`);
  // Keys an earlier test left in this slot (instance registry, sessions, cache) would change the key counts the fix decides on.
  await withNode(holder.port, async (r) => {
    const leftovers = (await r.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as string[];
    for (const key of leftovers) await r.del(key);
  });
  return { slot, holder, claimant: masters.find((m) => m !== holder) as ClusterNode };
}

async function setOn(node: ClusterNode, pairs: Record<string, string>): Promise<void> {
  await withNode(node.port, async (r) => {
    for (const [k, v] of Object.entries(pairs)) await r.set(k, v);
  });
  for (const [k, v] of Object.entries(pairs)) written.set(k, v);
}

async function keysOn(node: ClusterNode, slot: number): Promise<number> {
  return Number(await withNode(node.port, (r) => r.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))));
}

/** Every master's own view says `owner` has the slot (gossip has settled). */
async function waitOwner(slot: number, owner: ClusterNode): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const views = await Promise.all(ports.redis.slice(0, 3).map((p) => clusterView(p)));
    const owners = views.map((v) => v.nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b))?.id);
    if (owners.every((o) => o === owner.id)) return;
    if (Date.now() > deadline) assert.fail(`slot ${slot}: views say ${owners.join(', ')}, not ${owner.id}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The holder stops claiming the slot (DELSLOTS keeps its keys); the claimant claims it with a bumped epoch. */
async function split(slot: number, holder: ClusterNode, claimant: ClusterNode): Promise<void> {
  await withNode(holder.port, (r) => r.call('CLUSTER', 'DELSLOTS', String(slot)));
  await withNode(claimant.port, async (r) => {
    await r.call('CLUSTER', 'DELSLOTS', String(slot));
    await r.call('CLUSTER', 'ADDSLOTS', String(slot));
    await r.call('CLUSTER', 'BUMPEPOCH');
  });
  await waitOwner(slot, claimant);
}

/** Every key the test wrote reads back its value through the slot's owner, and no master holds a key of a slot it does not own. */
async function assertNoKeyLost(slot: number, owner: ClusterNode, others: ClusterNode[]): Promise<void> {
  for (const [k, v] of written) {
    if (Number(await withNode(ports.redis[0], (r) => r.call('CLUSTER', 'KEYSLOT', k))) !== slot) continue;
    assert.equal(await withNode(owner.port, (r) => r.get(k)), v, `${k} kept its value`);
  }
  for (const o of others) assert.equal(await keysOn(o, slot), 0, `${o.port} holds no key of slot ${slot}`);
}

describe('redisFix and a split-brain slot', () => {
  const session = useTemporalSession({
    prepare: (client) => restoreBaseCluster(client),
    cleanUp: async (client) => {
      for (const k of written.keys()) {
        const { holder } = await slotOf(k.slice(1, k.indexOf('}')));
        await withNode(holder.port, (r) => r.del(k));
      }
      await restoreBaseCluster(client);
    },
  });
  const taskQueue = taskQueueFor('redis split brain');
  const run = (input: unknown) => session.client.workflow.execute('redisFix', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });

  it('plans, then keeps the master with the most keys, moves the other keys to it and leaves a clean cluster', async () => {
    const { slot, holder, claimant } = await slotOf('split-most');
    await setOn(holder, Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`{split-most}:h${i}`, `h${i}`])));
    await split(slot, holder, claimant);
    await setOn(claimant, { '{split-most}:c1': 'c1', '{split-most}:c2': 'c2' });
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const dry = await run({ dryRun: true });
      const plan = { slot, kind: 'resolve-owners', owner: holder.id, reason: 'MostKeys', moveFrom: [claimant.id], release: [claimant.id] };
      assert.deepEqual(dry.actions, [plan]);
      assert.deepEqual([await keysOn(holder, slot), await keysOn(claimant, slot)], [5, 2], 'the dry run changed nothing');
      await waitOwner(slot, claimant);

      const fixed = await run({});
      assert.deepEqual(fixed.actions, [plan]);
      await waitOwner(slot, holder);
      await assertNoKeyLost(slot, holder, [claimant]);
      assert.deepEqual((await run({ dryRun: true })).actions, [], 'nothing left to fix');
    });
    assert.deepEqual(coverageProblems([await clusterView(holder.port), await clusterView(claimant.port)]), []);
    const check = await redisCliCheck();
    assert.ok(check.clean, check.output);
  });

  it('on a tie in keys keeps the master with the higher config epoch', async () => {
    const { slot, holder, claimant } = await slotOf('split-tie');
    await setOn(holder, { '{split-tie}:h1': 'h1', '{split-tie}:h2': 'h2' });
    await split(slot, holder, claimant);
    await setOn(claimant, { '{split-tie}:c1': 'c1', '{split-tie}:c2': 'c2' });
    const epochs = (await clusterView(claimant.port)).nodes;
    assert.ok((epochs.find((n) => n.id === claimant.id)?.configEpoch ?? 0) > (epochs.find((n) => n.id === holder.id)?.configEpoch ?? 0));
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      const fixed = await run({});
      assert.deepEqual(fixed.actions, [
        { slot, kind: 'resolve-owners', owner: claimant.id, reason: 'HigherConfigEpochOnTie', moveFrom: [holder.id], release: [] },
      ]);
    });
    await waitOwner(slot, claimant);
    await assertNoKeyLost(slot, claimant, [holder]);
  });

  it('refuses, changing nothing, when both masters hold the same key', async () => {
    const { slot, holder, claimant } = await slotOf('split-same');
    await setOn(holder, { '{split-same}:k': 'old', '{split-same}:h1': 'h1' });
    await split(slot, holder, claimant);
    await withNode(claimant.port, (r) => r.set('{split-same}:k', 'new'));
    await withWorkerEnv(taskQueue, redisWorkerEnv(), async () => {
      await assertFailsWith(run({}), 'FixRefused', new RegExp(`SameKeyOnTwoMasters: slot ${slot}: .*\\{split-same\\}:k`));
      await waitOwner(slot, claimant);
      assert.deepEqual([await keysOn(holder, slot), await keysOn(claimant, slot)], [2, 1], 'the refused run changed nothing');
      // A person chose: the claimant's copy goes, and the fix can now tell.
      await withNode(claimant.port, (r) => r.del('{split-same}:k'));
      assert.equal((await run({})).actions[0].owner, holder.id);
    });
    await waitOwner(slot, holder);
    await assertNoKeyLost(slot, holder, [claimant]);
  });
});
