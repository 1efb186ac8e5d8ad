// The careful path of a slot migration: before every step it reads the slot's real state on
// both nodes (policy/redis/redis-slot-steps.ts names the step), so it finishes whatever a crash, an
// error or a half-applied pipeline left behind. The pipelined path hands it every slot it
// did not find clean or could not finish; it is one to six round trips per step, so it is
// only for those slots.
import { sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PhaseClock } from '../../policy/redis/redis-migrate-phases';
import type { MigrationOptions } from '../../policy/redis/redis-input';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import { throughHeirs, type Heirs } from '../../policy/redis/redis-slot-heirs';
import { nextSlotStep, type SlotObservation, type SlotStep } from '../../policy/redis/redis-slot-steps';
import { FailureType, permanentFailure } from '../common/errors';
import type { RedisNodePool } from './redis-cluster-connections';
import { errorText, isErrorReply, migrateArgs, slotSide } from './redis-migrate-commands';

export interface SlotMoveCounters {
  keys: number;
  bytes: number;
  ioerrRecoveries: number;
}

export interface CarefulContext {
  pool: RedisNodePool;
  source: NodeRef;
  target: NodeRef;
  options: MigrationOptions;
  clock: PhaseClock;
  counters: SlotMoveCounters;
  /** Keys per MIGRATE, following the sampled key size. */
  batchKeys: () => number;
  avgKeyBytes: () => number;
  onProgress: () => void;
  /** Ends of the plan that died, and the replicas that took over (their slot states may still name the dead node). */
  heirs?: Heirs;
}

/** The next step for a slot, reading a reference to a dead end as its heir (policy/redis/redis-slot-heirs.ts). */
export function stepThroughHeirs(ctx: Pick<CarefulContext, 'heirs'>, observation: SlotObservation): SlotStep {
  return nextSlotStep(ctx.heirs ? throughHeirs(observation, ctx.heirs).observation : observation);
}

const MAX_WAITS_PER_SLOT = 100;
const MAX_STEPS_PER_SLOT = 100_000;
/** Consecutive IOERRs on one slot before the attempt gives up (the activity's retry resumes it). */
const MAX_IOERRS_PER_SLOT = 20;

/**
 * MIGRATE … KEYS. On IOERR the Redis documentation says a key may now be on both nodes (the
 * target stored it, the source did not hear so and kept it) or only on the source, never
 * lost. The source copy is the live one: clients are served by the source while a key exists
 * there. So the keys still on the source are migrated again with REPLACE, which overwrites a
 * stale target copy; nothing is ever deleted by us.
 */
export async function migrateKeys(ctx: CarefulContext, keys: string[], replace: boolean): Promise<'ok' | 'ioerr'> {
  const { pool, source, target, options } = ctx;
  try {
    await pool.node(source).call('MIGRATE', ...migrateArgs(pool, target, keys, options.migrateTimeoutMs, replace));
    return 'ok';
  } catch (error) {
    if (isErrorReply(error, 'IOERR')) return 'ioerr';
    if (isErrorReply(error, 'BUSYKEY') && !replace) {
      // A copy left on the target by an interrupted MIGRATE; the source's copy wins.
      await pool.node(source).call('MIGRATE', ...migrateArgs(pool, target, keys, options.migrateTimeoutMs, true));
      return 'ok';
    }
    // Never echo the arguments: they hold the password.
    throw new Error(`MIGRATE from ${source.host}:${source.port} to ${target.host}:${target.port} failed: ${errorText(error, pool)}`);
  }
}

/** Moves one slot to the target on both nodes, re-reading its state before every step. */
export async function moveSlotCarefully(ctx: CarefulContext, slot: number): Promise<void> {
  const { pool, source, target, clock, counters } = ctx;
  let waits = 0;
  let replaceNext = false;
  let ioerrs = 0;
  for (let step = 0; ; step++) {
    if (step > MAX_STEPS_PER_SLOT) throw new Error(`slot ${slot}: no progress after ${step} steps`);
    const [onSource, onTarget, count] = await clock.time('stateRead', () =>
      Promise.all([
        slotSide(pool, source, slot),
        slotSide(pool, target, slot),
        pool.node(source).call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)),
      ]),
    );
    const next = stepThroughHeirs(ctx, { slot, source: source.id, target: target.id, onSource, onTarget, keysOnSource: Number(count) });
    switch (next.kind) {
      case 'done':
        return;
      case 'conflict':
        throw permanentFailure(
          FailureType.SlotConflict,
          `${next.reason}; run redisFix or look at CLUSTER NODES on ${source.host}:${source.port} and ${target.host}:${target.port}`,
        );
      case 'wait':
        if (++waits > MAX_WAITS_PER_SLOT)
          throw ApplicationFailure.retryable(`${next.reason} (after ${waits} observations)`, FailureType.SlotViewsDisagree);
        ctx.onProgress();
        await sleep(100);
        break;
      case 'set-importing':
        await clock.time('setslot', () => pool.node(target).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id));
        break;
      case 'set-migrating':
        await clock.time('setslot', () => pool.node(source).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id));
        break;
      case 'assign-on-target':
        await clock.time('setslot', () => pool.node(target).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id));
        break;
      case 'assign-on-source':
        await clock.time('setslot', () => pool.node(source).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id));
        break;
      case 'move-keys': {
        const keys = (await clock.time('getkeys', () =>
          pool.node(source).call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(ctx.batchKeys())),
        )) as string[];
        if (keys.length === 0) break;
        const outcome = await clock.time('migrate', () => migrateKeys(ctx, keys, replaceNext));
        if (outcome === 'ioerr') {
          // Whatever is still on the source goes again, replacing any copy the target kept.
          counters.ioerrRecoveries++;
          replaceNext = true;
          if (++ioerrs > MAX_IOERRS_PER_SLOT)
            throw ApplicationFailure.retryable(
              `slot ${slot}: MIGRATE to ${target.host}:${target.port} failed with IOERR ${ioerrs} times in a row; the keys stay on the source`,
              FailureType.MigrateIoError,
            );
          ctx.onProgress();
          await sleep(Math.min(1000, 50 * 2 ** Math.min(ioerrs, 4)));
          break;
        }
        ioerrs = 0;
        counters.keys += keys.length;
        counters.bytes += keys.length * ctx.avgKeyBytes();
        ctx.onProgress();
        break;
      }
    }
  }
}
