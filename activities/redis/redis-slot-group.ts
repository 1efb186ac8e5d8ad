// The pipelined path of a slot migration: a group of slots between one source and one target
// moves in a handful of round trips instead of several per slot. The group's state is read
// once (one CLUSTER NODES on each node); only slots both nodes call clean (owned by the
// source, open nowhere) take this path, and every slot it cannot finish (an error reply, a
// state it did not expect) goes to the careful path, which re-reads before every step.
//
// Order kept for every slot: IMPORTING on the target, then MIGRATING on the source; keys move;
// SETSLOT NODE on the target only once GETKEYSINSLOT on the source, sent after MIGRATING took
// effect, came back empty (while a slot is MIGRATING the source creates no new key in it:
// clients get ASK); then NODE on the source, then on every other master.
import { ApplicationFailure } from '@temporalio/common';
import { sleep } from '@temporalio/activity';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import { viewFrom } from './redis-cluster-connections';
import { FailureType } from '../common/errors';
import { errorText, isErrorReply, migrateArgs, pipelined, sideOf } from './redis-migrate-commands';
import { moveSlotCarefully, stepThroughHeirs, type CarefulContext } from './redis-slot-careful';

export interface GroupContext extends CarefulContext {
  /** Every master at plan time; the ones that are neither source nor target learn the new owner last. */
  otherMasters: NodeRef[];
  /** Records the sizes of a few keys (MEMORY USAGE), so batches follow key size. */
  sampleKeySizes: (keys: string[]) => Promise<void>;
  needsSample: () => boolean;
  /**
   * MIGRATEs sent in one pipelined round. The source is blocked during each MIGRATE, and up to
   * migrateTimeoutMs per MIGRATE when the target stalls, so a round blocks it for at most
   * depth × migrateTimeoutMs; after an IOERR the depth drops to 1 and doubles back per clean round.
   */
  pipelineDepth: { current: number; max: number };
}

/** Consecutive IOERR rounds of one slot before the attempt gives up (the activity's retry resumes). */
const MAX_IOERR_ROUNDS = 20;
const MAX_DRAIN_ROUNDS = 100_000;

export interface GroupResult {
  /** Slots that took the careful path. */
  careful: number;
}

/** Keys of each slot still to move, and the slots found empty (ready for their new owner). */
interface KeyState {
  pending: Map<number, string[]>;
  emptied: number[];
  careful: Set<number>;
}

export async function moveSlotGroup(ctx: GroupContext, slots: number[]): Promise<GroupResult> {
  const { clean, careful } = await classify(ctx, slots);
  const state = await openSlots(ctx, clean, careful);
  if (state.pending.size > 0 && ctx.needsSample()) {
    await ctx.clock.time('sample', () => ctx.sampleKeySizes([...state.pending.values()].slice(0, 3).map((keys) => keys[0])));
  }
  await moveKeys(ctx, state);
  await assignToTarget(ctx, state.emptied, careful);
  // 5. Whatever did not go cleanly: step by step, re-reading the real state before each step.
  for (const slot of [...careful].sort((a, b) => a - b)) await moveSlotCarefully(ctx, slot);
  await tellOtherMasters(ctx, slots);
  return { careful: careful.size };
}

/** 1. The group's state, read once on each node: clean slots take the pipelined path, half-done ones the careful one. */
async function classify(ctx: GroupContext, slots: number[]): Promise<{ clean: number[]; careful: Set<number> }> {
  const { pool, source, target, clock } = ctx;
  const [sourceView, targetView] = await clock.time('stateRead', () => Promise.all([viewFrom(pool, source), viewFrom(pool, target)]));
  const clean: number[] = [];
  const careful = new Set<number>();
  for (const slot of slots) {
    const onSource = sideOf(sourceView, slot);
    const onTarget = sideOf(targetView, slot);
    const open = onSource.migratingTo || onSource.importingFrom || onTarget.migratingTo || onTarget.importingFrom;
    if (!open && onSource.owner === source.id && onTarget.owner === source.id) clean.push(slot);
    else if (stepThroughHeirs(ctx, { slot, source: source.id, target: target.id, onSource, onTarget, keysOnSource: 0 }).kind !== 'done')
      careful.add(slot);
    // Otherwise it is done on both (a resumed attempt): only the other masters are told, at the end.
  }
  return { clean, careful };
}

/** CLUSTER SETSLOT <slot> <state> <owner> for every slot, pipelined to `node`. */
function setSlots(ctx: GroupContext, node: NodeRef, slots: number[], state: 'IMPORTING' | 'NODE', owner: NodeRef) {
  return ctx.clock.time('setslot', () =>
    pipelined(
      ctx.pool,
      node,
      slots.map((s) => ['CLUSTER', 'SETSLOT', String(s), state, owner.id]),
    ),
  );
}

/** 2. Open: IMPORTING on the target first, then MIGRATING on the source, each followed there by the slot's first batch of keys. */
async function openSlots(ctx: GroupContext, clean: number[], careful: Set<number>): Promise<KeyState> {
  const { pool, source, target, clock } = ctx;
  const importing = await setSlots(ctx, target, clean, 'IMPORTING', source);
  const opened = clean.filter((s, i) => (importing[i].error ? (careful.add(s), false) : true));
  const batch = String(ctx.batchKeys());
  const migrating = await clock.time('setslot', () =>
    pipelined(
      pool,
      source,
      opened.flatMap((s) => [
        ['CLUSTER', 'SETSLOT', String(s), 'MIGRATING', target.id],
        ['CLUSTER', 'GETKEYSINSLOT', String(s), batch],
      ]),
    ),
  );
  const state: KeyState = { pending: new Map(), emptied: [], careful };
  opened.forEach((s, i) => {
    const [set, keys] = [migrating[2 * i], migrating[2 * i + 1]];
    if (set.error || keys.error) careful.add(s);
    else if ((keys.value as string[]).length === 0) state.emptied.push(s);
    else state.pending.set(s, keys.value as string[]);
  });
  return state;
}

/** IOERR bookkeeping across rounds: which slots go again with REPLACE, and how many IOERRs in a row each had. */
interface IoerrState {
  replace: Set<number>;
  rounds: Map<number, number>;
}

/**
 * 3. Keys: MIGRATE per slot, each followed by GETKEYSINSLOT for the next batch (empty: done),
 *    pipelined in rounds of about batchBytes of estimated payload.
 */
async function moveKeys(ctx: GroupContext, state: KeyState): Promise<void> {
  const ioerr: IoerrState = { replace: new Set(), rounds: new Map() };
  for (let round = 0; state.pending.size > 0; round++) {
    if (round > MAX_DRAIN_ROUNDS)
      throw new Error(`slots ${[...state.pending.keys()].join(',')}: keys still on the source after ${round} rounds`);
    const next = new Map<number, string[]>();
    let hadIoerr = false;
    const entries = [...state.pending.entries()];
    for (let start = 0; start < entries.length;) {
      const part = entries.slice(start, roundEnd(ctx, entries, start));
      start += part.length;
      hadIoerr = (await migrateRound(ctx, part, state, next, ioerr)) || hadIoerr;
      ctx.onProgress();
    }
    state.pending = next;
    if (hadIoerr) await sleep(Math.min(1000, 50 * 2 ** Math.min(Math.max(...ioerr.rounds.values(), 1), 4)));
  }
}

/** Where a pipelined round that begins at `start` ends: at most the pipeline depth, and about batchBytes. */
function roundEnd(ctx: GroupContext, entries: Array<[number, string[]]>, start: number): number {
  const depth = ctx.pipelineDepth;
  let bytes = 0;
  let end = start;
  while (
    end < entries.length &&
    (end === start || (end - start < depth.current && bytes + entries[end][1].length * ctx.avgKeyBytes() <= ctx.options.batchBytes))
  )
    bytes += entries[end++][1].length * ctx.avgKeyBytes();
  return end;
}

/** One pipelined round of MIGRATE + GETKEYSINSLOT; returns whether a MIGRATE hit IOERR. */
async function migrateRound(
  ctx: GroupContext,
  part: Array<[number, string[]]>,
  state: KeyState,
  next: Map<number, string[]>,
  ioerr: IoerrState,
): Promise<boolean> {
  const { pool, source, target, options, counters } = ctx;
  const nextBatch = String(ctx.batchKeys());
  const replies = await ctx.clock.time('migrate', () =>
    pipelined(
      pool,
      source,
      part.flatMap(([s, keys]) => [
        ['MIGRATE', ...migrateArgs(pool, target, keys, options.migrateTimeoutMs, ioerr.replace.has(s))],
        ['CLUSTER', 'GETKEYSINSLOT', String(s), nextBatch],
      ]),
    ),
  );
  let hadIoerr = false;
  part.forEach(([s, keys], i) => {
    const [moved, rest] = [replies[2 * i], replies[2 * i + 1]];
    if (moved.error) hadIoerr = recordMigrateError(ctx, s, moved.error, ioerr) || hadIoerr;
    else {
      ioerr.rounds.delete(s);
      counters.keys += keys.length;
      counters.bytes += keys.length * ctx.avgKeyBytes();
    }
    if (rest.error) state.careful.add(s);
    else if ((rest.value as string[]).length === 0) state.emptied.push(s);
    else next.set(s, rest.value as string[]);
  });
  const depth = ctx.pipelineDepth;
  depth.current = hadIoerr ? 1 : Math.min(depth.max, depth.current * 2);
  return hadIoerr;
}

/** A MIGRATE error reply: IOERR and BUSYKEY send the slot's keys again with REPLACE; anything else fails. Returns whether it was IOERR. */
function recordMigrateError(ctx: GroupContext, slot: number, error: Error, ioerr: IoerrState): boolean {
  const { pool, source, target } = ctx;
  if (isErrorReply(error, 'IOERR')) {
    // The keys may now be on both nodes; the source's copies are the live ones and go
    // again with REPLACE. Nothing is deleted: MIGRATE drops a source key only once the
    // target acknowledged it.
    ctx.counters.ioerrRecoveries++;
    const n = (ioerr.rounds.get(slot) ?? 0) + 1;
    ioerr.rounds.set(slot, n);
    if (n > MAX_IOERR_ROUNDS)
      throw ApplicationFailure.retryable(
        `slot ${slot}: MIGRATE to ${target.host}:${target.port} failed with IOERR ${n} times in a row; the keys stay on the source`,
        FailureType.MigrateIoError,
      );
    ioerr.replace.add(slot);
    return true;
  }
  if (isErrorReply(error, 'BUSYKEY')) {
    // A copy an interrupted MIGRATE left on the target; the source's copy wins.
    ioerr.replace.add(slot);
    return false;
  }
  throw new Error(
    `MIGRATE of slot ${slot} from ${source.host}:${source.port} to ${target.host}:${target.port} failed: ${errorText(error, pool)}`,
  );
}

/** 4. The new owner: on the target first, then on the source (which refuses while it holds a key). */
async function assignToTarget(ctx: GroupContext, emptied: number[], careful: Set<number>): Promise<void> {
  const { source, target } = ctx;
  const onTarget = await setSlots(ctx, target, emptied, 'NODE', target);
  const assigned = emptied.filter((s, i) => (onTarget[i].error ? (careful.add(s), false) : true));
  const onSource = await setSlots(ctx, source, assigned, 'NODE', target);
  assigned.forEach((s, i) => onSource[i].error && careful.add(s));
}

/** 6. Every other master learns the new owner (idempotent; gossip would carry it too, later). */
async function tellOtherMasters(ctx: GroupContext, slots: number[]): Promise<void> {
  const { pool, source, target } = ctx;
  const others = ctx.otherMasters.filter((m) => m.id !== source.id && m.id !== target.id);
  const told = await ctx.clock.time('others', () =>
    Promise.all(
      others.map((m) =>
        pipelined(
          pool,
          m,
          slots.map((s) => ['CLUSTER', 'SETSLOT', String(s), 'NODE', target.id]),
        ),
      ),
    ),
  );
  told.forEach((replies, m) => {
    const failed = replies.findIndex((r) => r.error);
    if (failed >= 0)
      throw new Error(
        `CLUSTER SETSLOT ${slots[failed]} NODE on ${others[m].host}:${others[m].port} failed: ${errorText(replies[failed].error, pool)}`,
      );
  });
}
