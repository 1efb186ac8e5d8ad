// Split-brain on the live cluster: finding slots more than one master owns (it claims them, or
// holds keys of them), and giving one such slot to the master policy/redis/redis-slot-owners
// chose, without deleting a key.
//
// Why the steps run in this order: a master that loses a slot it claims to a higher config
// epoch through gossip deletes its keys of that slot (Redis' "dirty slots"). So every other
// claimant first drops its claim (CLUSTER DELSLOTS keeps the keys) and points the slot at the
// chosen owner in the same MULTI (a node that sees a slot unassigned stops serving every
// slot), and only then does the owner claim the slot with a bumped epoch, again in one MULTI so
// that no gossip lands between the claim and the bump. A master that does not claim a slot
// answers MOVED to MIGRATE for it, so each other holder marks the slot IMPORTING from the
// owner while its keys move, then closes it. The holder points the slot at the owner first:
// a node importing a slot ignores gossip about it, so it would never learn the new owner.
import { heartbeat } from '@temporalio/activity';
import { SLOT_COUNT, expandRanges, type ClusterView } from '../../policy/redis/redis-cluster-view';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import type { SlotOwnersFacts } from '../../policy/redis/redis-slot-owners';
import { FailureType, permanentFailure } from '../common/errors';
import { allViews, viewFrom, type RedisNodePool } from './redis-cluster-connections';
import { errorText, isErrorReply, migrateArgs, pipelined, sideOf } from './redis-migrate-commands';

/** Key names read per holder to look for one key on two masters; past this the policy refuses. */
const KEY_NAMES_CAP = 10_000;
const COUNT_BATCH = 4096;
const MOVE_BATCH = 100;
const MIGRATE_TIMEOUT_MS = 10_000;

/** CLUSTER COUNTKEYSINSLOT for every slot of one node, pipelined; no question at all when it holds no key. */
async function keysPerSlot(pool: RedisNodePool, node: NodeRef): Promise<number[]> {
  const counts: number[] = new Array(SLOT_COUNT).fill(0);
  if (Number(await pool.node(node).call('DBSIZE')) === 0) return counts;
  for (let first = 0; first < SLOT_COUNT; first += COUNT_BATCH) {
    const slots = Array.from({ length: Math.min(COUNT_BATCH, SLOT_COUNT - first) }, (_, i) => first + i);
    const replies = await pipelined(
      pool,
      node,
      slots.map((s) => ['CLUSTER', 'COUNTKEYSINSLOT', String(s)]),
    );
    replies.forEach((r, i) => {
      if (r.error) throw r.error;
      counts[first + i] = Number(r.value);
    });
    heartbeat({ countedSlots: first + slots.length, node: `${node.host}:${node.port}` });
  }
  return counts;
}

/** Key names found on more than one holder, and how many keys were too many to read. */
async function sharedKeyNames(pool: RedisNodePool, masters: NodeRef[], f: SlotOwnersFacts): Promise<void> {
  const seen = new Map<string, number>();
  for (const m of masters) {
    const count = f.keys[m.id] ?? 0;
    if (count === 0) continue;
    if (count > KEY_NAMES_CAP) f.uncomparedKeys += count - KEY_NAMES_CAP;
    const names = (await pool.node(m).call('CLUSTER', 'GETKEYSINSLOT', String(f.slot), String(Math.min(count, KEY_NAMES_CAP)))) as string[];
    for (const name of names) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  f.sharedKeys = [...seen.entries()]
    .filter(([, n]) => n > 1)
    .map(([name]) => name)
    .slice(0, 5);
}

/**
 * Slots that more than one master claims in its own view, or that a master claims while
 * another holds keys of it. A slot left open by a migration (keys on both sides, one claim)
 * is the open-slot fix's case, not this one.
 */
export async function splitSlotFacts(pool: RedisNodePool, views: ClusterView[], openSlots: Set<number>): Promise<SlotOwnersFacts[]> {
  const masterNodes = views[0].nodes.filter((n) => n.role === 'master');
  const readable = masterNodes.filter((n) => !n.failing);
  const unreadable = masterNodes.filter((n) => n.failing).map((n) => n.id);
  const claims = new Map<string, Set<number>>();
  const epochs: Record<string, number> = {};
  for (const v of views) {
    const me = v.nodes.find((n) => n.myself);
    if (me?.role !== 'master') continue;
    claims.set(me.id, new Set(expandRanges(me.slots)));
    epochs[me.id] = me.configEpoch ?? -1;
  }
  const counts = new Map<string, number[]>();
  for (const m of readable) counts.set(m.id, await keysPerSlot(pool, m));
  const facts: SlotOwnersFacts[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const claimants = [...claims].filter(([, owned]) => owned.has(slot)).map(([id]) => id);
    const keys: Record<string, number> = {};
    for (const [id, c] of counts) keys[id] = c[slot];
    const strays = Object.entries(keys).some(([id, n]) => n > 0 && !claimants.includes(id));
    const open = openSlots.has(slot);
    if (claimants.length > 1 || (!open && claimants.length === 1 && strays)) {
      facts.push({ slot, claimants, keys, epochs, sharedKeys: [], unreadable, open, uncomparedKeys: 0 });
    }
  }
  for (const f of facts.slice(0, 100)) await sharedKeyNames(pool, readable, f);
  return facts;
}

export interface ResolveSlotOwnersInput {
  slot: number;
  owner: NodeRef;
  /** Other masters that claim the slot. */
  release: NodeRef[];
  /** Other masters that hold keys of the slot. */
  moveFrom: NodeRef[];
}

async function ownerClaims(pool: RedisNodePool, input: ResolveSlotOwnersInput): Promise<void> {
  const { owner, slot } = input;
  // Every node's view, not only the masters involved: a third node may still route the slot to a released claimant.
  if ((await allViews(pool)).every((v) => sideOf(v, slot).owner === owner.id)) return;
  const replies = await pool
    .node(owner)
    .multi()
    .call('CLUSTER', 'DELSLOTS', String(slot)) // fails harmlessly when this node sees the slot unassigned
    .call('CLUSTER', 'ADDSLOTS', String(slot))
    .call('CLUSTER', 'BUMPEPOCH')
    .exec();
  const added = replies?.[1];
  if (!added || added[0])
    throw new Error(`CLUSTER ADDSLOTS ${slot} on ${owner.host}:${owner.port} failed: ${added?.[0]?.message ?? 'no reply'}`);
}

/** Moves every key of the slot from one holder to the owner; returns how many moved. */
async function moveKeys(pool: RedisNodePool, from: NodeRef, input: ResolveSlotOwnersInput): Promise<number> {
  const { owner, slot } = input;
  const s = String(slot);
  let moved = 0;
  for (;;) {
    const keys = (await pool.node(from).call('CLUSTER', 'GETKEYSINSLOT', s, String(MOVE_BATCH))) as string[];
    if (keys.length === 0) break;
    const side = sideOf(await viewFrom(pool, from), slot);
    if (side.owner !== owner.id && !side.importingFrom) await pool.node(from).call('CLUSTER', 'SETSLOT', s, 'NODE', owner.id);
    if (side.importingFrom !== owner.id) await pool.node(from).call('CLUSTER', 'SETSLOT', s, 'IMPORTING', owner.id);
    try {
      await pool.node(from).call('MIGRATE', ...migrateArgs(pool, owner, keys, MIGRATE_TIMEOUT_MS, false));
    } catch (error) {
      if (isErrorReply(error, 'BUSYKEY'))
        throw permanentFailure(
          FailureType.SlotConflict,
          `slot ${slot}: a key of ${from.host}:${from.port} now also exists on the owner; a person must choose`,
        );
      throw new Error(`MIGRATE from ${from.host}:${from.port} to ${owner.host}:${owner.port} failed: ${errorText(error, pool)}`);
    }
    moved += keys.length;
    heartbeat({ slot, from: `${from.host}:${from.port}`, moved });
  }
  const side = sideOf(await viewFrom(pool, from), slot);
  if (side.importingFrom || side.migratingTo) await pool.node(from).call('CLUSTER', 'SETSLOT', s, 'STABLE');
  if (side.owner !== owner.id) await pool.node(from).call('CLUSTER', 'SETSLOT', s, 'NODE', owner.id);
  return moved;
}

export function createRedisSlotOwnerActivities(pool: RedisNodePool) {
  return {
    /** Gives a slot more than one master owns to `owner`: others drop their claims, the owner claims it with a bumped epoch, the keys follow. */
    async resolveRedisSlotOwners(input: ResolveSlotOwnersInput): Promise<{ slot: number; owner: string; keysMoved: number }> {
      const { slot } = input;
      for (const node of input.release) {
        if (sideOf(await viewFrom(pool, node), slot).owner !== node.id) continue;
        const replies = await pool
          .node(node)
          .multi()
          .call('CLUSTER', 'DELSLOTS', String(slot))
          .call('CLUSTER', 'SETSLOT', String(slot), 'NODE', input.owner.id)
          .exec();
        const failed = (replies ?? []).find(([error]) => error)?.[0];
        if (failed) throw new Error(`releasing slot ${slot} on ${node.host}:${node.port} failed: ${failed.message}`);
      }
      await ownerClaims(pool, input);
      let keysMoved = 0;
      for (const from of input.moveFrom) keysMoved += await moveKeys(pool, from, input);
      return { slot, owner: input.owner.id, keysMoved };
    },
  };
}
