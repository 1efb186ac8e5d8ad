// Moves a chunk of slots from one master to another, in groups of up to slotConcurrency
// slots. A group's state is read once on both nodes and its clean slots move through
// pipelined SETSLOT / GETKEYSINSLOT / MIGRATE rounds (redis-slot-group.ts); any slot found
// half done (a resumed attempt) or that hit an error goes through the careful path, which
// re-reads both nodes before each step (redis-slot-careful.ts). The heartbeat details hold
// the index of the first slot not finished, so a new attempt resumes at that group and reads
// its real state first.
import { activityInfo, Context, heartbeat, sleep } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { MigrationOptions } from '../../policy/redis/redis-input';
import { PhaseClock, type PhaseMs } from '../../policy/redis/redis-migrate-phases';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import type { RedisNodePool } from './redis-cluster-connections';
import { pipelined } from './redis-migrate-commands';
import type { SlotMoveCounters } from './redis-slot-careful';
import { liveEnds } from './redis-live-masters';
import { moveSlotGroup, type GroupContext } from './redis-slot-group';

export interface MigrateSlotsInput {
  source: NodeRef;
  target: NodeRef;
  /** Every master's address, to tell the others the new owner last. */
  otherMasters: NodeRef[];
  slots: number[];
  options: MigrationOptions;
}

export interface MigrateSlotsResult {
  slots: number;
  keys: number;
  /** Estimated from sampled key sizes (MEMORY USAGE), not measured on the wire. */
  bytes: number;
  ioerrRecoveries: number;
  lastBatchSize: number;
  /** Slots that needed the careful per-step path (resumed half done, or an error). */
  carefulSlots?: number;
  /** Busy milliseconds per phase in this attempt (see policy/redis/redis-migrate-phases.ts). */
  phaseMs?: PhaseMs;
}

/** Heartbeat details: what is done so far in this chunk. */
interface MigrateProgress {
  /** How many slots of `slots` are finished. */
  index: number;
  slot: number;
  keys: number;
  bytes: number;
  ioerrRecoveries: number;
}

const MAX_BATCH_KEYS = 2000;
/** MIGRATEs per pipelined round at most (see GroupContext.pipelineDepth). */
const MAX_PIPELINE_DEPTH = 8;
/** Key sizes are sampled on the first group and then on one group in SAMPLE_EVERY. */
const SAMPLE_EVERY = 16;

export function createRedisMigrateActivities(pool: RedisNodePool) {
  return {
    migrateRedisSlots: (input: MigrateSlotsInput): Promise<MigrateSlotsResult> => migrateRedisSlots(pool, input),
  };
}

async function migrateRedisSlots(pool: RedisNodePool, input: MigrateSlotsInput): Promise<MigrateSlotsResult> {
  const began = performance.now();
  const { options } = input;
  // The planned nodes, or the replicas that took over from them if they died (redis-live-masters.ts).
  const { source, target, otherMasters, heirs } = await liveEnds(pool, input);
  const resumed = activityInfo().heartbeatDetails as MigrateProgress | undefined;
  const progress: MigrateProgress = resumed ?? { index: 0, slot: input.slots[0], keys: 0, bytes: 0, ioerrRecoveries: 0 };
  const counters: SlotMoveCounters = { keys: progress.keys, bytes: progress.bytes, ioerrRecoveries: progress.ioerrRecoveries };
  const signal = Context.current().cancellationSignal;
  const clock = new PhaseClock();
  const sizes = keySizes(pool, source, options);
  // Heartbeats carry the progress, and are sent on progress only: a group done, a MIGRATE round, a throttle wait.
  const beat = () => {
    Object.assign(progress, counters);
    heartbeat(progress);
  };
  const ctx: GroupContext = {
    pool,
    source,
    target,
    options,
    clock,
    counters,
    otherMasters,
    heirs,
    batchKeys: sizes.batchKeys,
    avgKeyBytes: sizes.avgKeyBytes,
    onProgress: beat,
    pipelineDepth: { current: MAX_PIPELINE_DEPTH, max: MAX_PIPELINE_DEPTH },
    needsSample: sizes.needsSample,
    sampleKeySizes: sizes.sample,
  };
  const pace = pacer(options, progress, counters, resumed?.index ?? 0, beat);

  let carefulSlots = 0;
  while (progress.index < input.slots.length) {
    if (signal.aborted) throw new CancelledFailure(`migration cancelled at slot ${input.slots[progress.index]}`);
    const group = input.slots.slice(progress.index, progress.index + pace.groupSize());
    progress.slot = group[0];
    beat();
    carefulSlots += (await moveSlotGroup(ctx, group)).careful;
    sizes.groupDone();
    progress.index += group.length;
    beat();
    await pace.throttle();
  }
  clock.add('wall', performance.now() - began);
  return {
    slots: input.slots.length,
    keys: counters.keys,
    bytes: counters.bytes,
    ioerrRecoveries: counters.ioerrRecoveries,
    lastBatchSize: sizes.batchKeys(),
    carefulSlots,
    phaseMs: clock.rounded(),
  };
}

/** Sampled key sizes (MEMORY USAGE), so that a MIGRATE batch holds about batchBytes. */
function keySizes(pool: RedisNodePool, source: NodeRef, options: MigrationOptions) {
  let avgKeyBytes = 0;
  let groups = 0;
  return {
    avgKeyBytes: () => avgKeyBytes,
    batchKeys: () => Math.max(1, Math.min(MAX_BATCH_KEYS, Math.floor(options.batchBytes / Math.max(1, avgKeyBytes || 1024)))),
    needsSample: () => avgKeyBytes === 0 || groups % SAMPLE_EVERY === 0,
    groupDone: () => void groups++,
    async sample(keys: string[]): Promise<void> {
      const sizes = await pipelined(
        pool,
        source,
        keys.map((k) => ['MEMORY', 'USAGE', k, 'SAMPLES', '0']),
      );
      const known = sizes.filter((r) => !r.error && r.value !== null).map((r) => Number(r.value));
      if (known.length > 0) avgKeyBytes = Math.max(1, Math.round(known.reduce((a, b) => a + b, 0) / known.length));
    },
  };
}

/** With a throttle, a group holds about one second of keys, and the run waits when it is ahead, so the pace stays even. */
function pacer(options: MigrationOptions, progress: MigrateProgress, counters: SlotMoveCounters, resumedIndex: number, beat: () => void) {
  const keysAtStart = counters.keys;
  const startedAt = Date.now();
  return {
    groupSize(): number {
      const width = Math.max(1, options.slotConcurrency);
      if (options.throttleKeysPerSecond <= 0) return width;
      const done = progress.index - resumedIndex;
      const keysPerSlot = done > 0 ? Math.max(1, (counters.keys - keysAtStart) / done) : 10;
      return Math.max(1, Math.min(width, Math.floor(options.throttleKeysPerSecond / keysPerSlot)));
    },
    async throttle(): Promise<void> {
      if (options.throttleKeysPerSecond <= 0) return;
      const dueMs = ((counters.keys - keysAtStart) / options.throttleKeysPerSecond) * 1000;
      for (let aheadMs = dueMs - (Date.now() - startedAt); aheadMs > 0; aheadMs = dueMs - (Date.now() - startedAt)) {
        beat();
        await sleep(Math.min(aheadMs, 2000)); // the activity's sleep: a cancel ends it
      }
    },
  };
}
