// Moves a chunk of slots from one master to another, one slot at a time. Each step first
// observes the slot on both nodes (policy/redis-slot-steps.ts decides the next step), so an
// attempt that starts after a crash continues whatever the last one left half done. Progress
// is heartbeated and a new attempt resumes at the exact slot from the heartbeat details.
import { activityInfo, Context, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { parseClusterNodes } from '../policy/redis-cluster-view';
import type { MigrationOptions } from '../policy/redis-input';
import type { NodeRef } from '../policy/redis-slot-plan';
import { nextSlotStep, type SlotSide } from '../policy/redis-slot-steps';
import { FailureType, permanentFailure } from './errors';
import type { RedisNodePool } from './redis-cluster-connections';

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

const MIN_BATCH = 1;
const MAX_BATCH = 2000;
/** A MIGRATE faster than this doubles the batch; slower than SLOW_MS halves it. */
const FAST_MS = 25;
const SLOW_MS = 250;
const MAX_WAITS_PER_SLOT = 100;

async function slotSide(pool: RedisNodePool, node: NodeRef, slot: number): Promise<SlotSide> {
  const view = parseClusterNodes((await pool.node(node).call('CLUSTER', 'NODES')) as string, `${node.host}:${node.port}`);
  const me = view.nodes.find((n) => n.myself);
  const owner = view.nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b));
  return {
    owner: owner?.id ?? null,
    migratingTo: me?.migrating.find((m) => m.slot === slot)?.to ?? null,
    importingFrom: me?.importing.find((i) => i.slot === slot)?.from ?? null,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createRedisMigrateActivities(pool: RedisNodePool) {
  async function averageKeyBytes(source: NodeRef, slot: number): Promise<number> {
    const sample = (await pool.node(source).call('CLUSTER', 'GETKEYSINSLOT', String(slot), '3')) as string[];
    if (sample.length === 0) return 0;
    const sizes = await Promise.all(sample.map((k) => pool.node(source).call('MEMORY', 'USAGE', k, 'SAMPLES', '0')));
    return Math.max(1, Math.round(sizes.reduce<number>((a, s) => a + Number(s ?? 0), 0) / sample.length));
  }

  /**
   * MIGRATE … KEYS. On IOERR the Redis documentation says a key may now be on both nodes or
   * only on the source, never lost, and that the caller should check the target. The source
   * copy is the live one (clients are served by the source while a key exists there), so keys
   * found on both are migrated again with REPLACE; nothing is ever deleted by us.
   */
  async function migrateBatch(input: MigrateSlotsInput, keys: string[], replace: boolean): Promise<'ok' | 'ioerr'> {
    const { source, target, options } = input;
    const args: string[] = [target.host, String(target.port), '', '0', String(options.migrateTimeoutMs)];
    if (replace) args.push('REPLACE');
    if (pool.password) args.push('AUTH', pool.password);
    args.push('KEYS', ...keys);
    try {
      await pool.node(source).call('MIGRATE', ...args);
      return 'ok';
    } catch (error) {
      const text = errorText(error);
      if (/IOERR/.test(text)) return 'ioerr';
      if (/BUSYKEY/.test(text)) {
        // A copy left on the target by an interrupted MIGRATE; the source's copy wins.
        await pool.node(source).call('MIGRATE', ...args.slice(0, 5), 'REPLACE', ...args.slice(5));
        return 'ok';
      }
      // Never echo the arguments: they hold the password.
      throw new Error(`MIGRATE from ${source.host}:${source.port} to ${target.host}:${target.port} failed: ${text.replace(pool.password || '\u0000', '***')}`);
    }
  }

  async function keysOnTarget(target: NodeRef, keys: string[]): Promise<string[]> {
    const pipeline = pool.node(target).pipeline();
    for (const key of keys) {
      pipeline.call('ASKING');
      pipeline.call('EXISTS', key);
    }
    const replies = (await pipeline.exec()) ?? [];
    return keys.filter((_, i) => Number(replies[i * 2 + 1]?.[1] ?? 0) === 1);
  }

  return {
    async migrateRedisSlots(input: MigrateSlotsInput): Promise<MigrateSlotsResult> {
      const { source, target, options } = input;
      const resumed = activityInfo().heartbeatDetails as MigrateProgress | undefined;
      const progress: MigrateProgress = resumed ?? { index: 0, slot: input.slots[0], keys: 0, bytes: 0, ioerrRecoveries: 0 };
      const keysAtStart = progress.keys;
      const startedAt = Date.now();
      const signal = Context.current().cancellationSignal;
      let batch = 100;

      const throttle = async () => {
        if (options.throttleKeysPerSecond <= 0) return;
        const dueMs = ((progress.keys - keysAtStart) / options.throttleKeysPerSecond) * 1000;
        const aheadMs = dueMs - (Date.now() - startedAt);
        if (aheadMs > 0) await sleep(Math.min(aheadMs, 5000));
      };

      let sampledBytes = -1;
      let slotsStarted = 0;
      const migrateOne = async (slot: number) => {
        slotsStarted++;
        progress.slot = slot;
        heartbeat(progress);
        if (signal.aborted) throw new CancelledFailure(`migration cancelled at slot ${slot}`);
        let waits = 0;
        let avgBytes = -1;
        for (let step = 0; ; step++) {
          if (step > 1_000_000) throw new Error(`slot ${slot}: no progress after ${step} steps`);
          const [onSource, onTarget, count] = await Promise.all([
            slotSide(pool, source, slot),
            slotSide(pool, target, slot),
            pool.node(source).call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)),
          ]);
          const next = nextSlotStep({ slot, source: source.id, target: target.id, onSource, onTarget, keysOnSource: Number(count) });
          if (next.kind === 'done') break;
          switch (next.kind) {
            case 'conflict':
              throw permanentFailure(FailureType.SlotConflict, `${next.reason}; run redisFix or look at CLUSTER NODES on ${source.host}:${source.port} and ${target.host}:${target.port}`);
            case 'wait':
              if (++waits > MAX_WAITS_PER_SLOT) throw ApplicationFailure.retryable(`${next.reason} (after ${waits} observations)`, 'SlotViewsDisagree');
              await sleep(100);
              break;
            case 'set-importing':
              await pool.node(target).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
              break;
            case 'set-migrating':
              await pool.node(source).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
              break;
            case 'assign-on-target':
              await pool.node(target).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
              break;
            case 'assign-on-source':
              await pool.node(source).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
              break;
            case 'move-keys': {
              if (avgBytes < 0) {
                // Key sizes are sampled on one slot in 16 (and the first); the others reuse the
                // last sample, which saves four round trips per slot on small slots.
                if (sampledBytes < 0 || slotsStarted % 16 === 0) sampledBytes = await averageKeyBytes(source, slot);
                avgBytes = sampledBytes;
                // Batch size follows key size: about batchBytes per MIGRATE.
                batch = Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.floor(options.batchBytes / Math.max(1, avgBytes))));
              }
              const keys = (await pool.node(source).call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(batch))) as string[];
              if (keys.length === 0) break;
              const began = Date.now();
              const outcome = await migrateBatch(input, keys, false);
              const took = Date.now() - began;
              if (outcome === 'ioerr') {
                progress.ioerrRecoveries++;
                const onBoth = await keysOnTarget(target, keys);
                if (onBoth.length > 0) await migrateBatch(input, onBoth, true);
                batch = Math.max(MIN_BATCH, Math.floor(batch / 2));
                break;
              }
              progress.keys += keys.length;
              progress.bytes += keys.length * Math.max(avgBytes, 0);
              if (took < FAST_MS) batch = Math.min(MAX_BATCH, batch * 2);
              else if (took > SLOW_MS) batch = Math.max(MIN_BATCH, Math.floor(batch / 2));
              heartbeat(progress);
              await throttle();
              break;
            }
          }
        }
        // The new owner is final on both nodes; now tell every other master (idempotent).
        await Promise.all(
          input.otherMasters
            .filter((m) => m.id !== source.id && m.id !== target.id)
            .map((m) => pool.node(m).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id)),
        );
      };

      // Several slots at a time (Redis allows many open slots between the same two nodes);
      // the heartbeat's index is the first unfinished slot, so a resumed attempt redoes at
      // most slotConcurrency slots, each of which the state machine finds done or half done.
      const finished = input.slots.map((_, i) => i < progress.index);
      let nextIndex = progress.index;
      const runner = async () => {
        while (nextIndex < input.slots.length) {
          const i = nextIndex++;
          await migrateOne(input.slots[i]);
          finished[i] = true;
          while (progress.index < finished.length && finished[progress.index]) progress.index++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.slotConcurrency) }, runner));
      heartbeat(progress);
      return { slots: input.slots.length, keys: progress.keys, bytes: progress.bytes, ioerrRecoveries: progress.ioerrRecoveries, lastBatchSize: batch };
    },
  };
}
