// Runs a slot plan: node-disjoint lanes in parallel (at most maxParallel), the pairs of a lane
// one after the other, each pair as ordered chunks of slots, one activity per chunk. The
// position (chunks done per pair) lives in plain-JSON state, so the run can pause, resume,
// and continue as new at the exact chunk; inside a chunk the activity resumes at the slot.
import { condition, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { MigrationOptions } from '../../policy/redis/redis-input';
import { pairChunks, type NodeRef, type SlotPlan } from '../../policy/redis/redis-slot-plan';
import { addPhases, type PhaseMs } from '../../policy/redis/redis-migrate-phases';
import { redisMigrate, type RedisProgress } from './redis-common';

export interface MigrationState {
  plan: SlotPlan;
  /** Chunks finished, per pair index. */
  chunksDone: number[];
  /** Masters at plan time: each learns a slot's new owner after source and target. */
  masters: NodeRef[];
  keys: number;
  bytes: number;
  ioerrRecoveries: number;
  slotsDone: number;
  /** Summed per-phase busy time of the migration activities, and how many ran (absent in older runs). */
  phaseMs?: PhaseMs;
  activities?: number;
}

export function newMigrationState(plan: SlotPlan, masters: NodeRef[]): MigrationState {
  return { plan, chunksDone: plan.pairs.map(() => 0), masters, keys: 0, bytes: 0, ioerrRecoveries: 0, slotsDone: 0 };
}

export interface MigrationControl {
  isPaused: () => boolean;
  /** True when the run should stop taking new chunks (to continue as new). */
  shouldStop: () => boolean;
}

const label = (n: NodeRef) => `${n.host}:${n.port}`;

export function syncProgress(progress: RedisProgress, state: MigrationState): void {
  progress.slotsTotal = state.plan.totalSlots;
  progress.slotsDone = state.slotsDone;
  progress.keys = state.keys;
  progress.bytes = state.bytes;
  progress.ioerrRecoveries = state.ioerrRecoveries;
}

/** Returns 'finished' when every chunk is done, 'stopped' when shouldStop() ended it early. */
export async function runMigration(
  state: MigrationState,
  options: MigrationOptions,
  progress: RedisProgress,
  control: MigrationControl,
): Promise<'finished' | 'stopped'> {
  const queue = state.plan.lanes.map((lane) => lane);
  syncProgress(progress, state);
  const report = () => {
    syncProgress(progress, state);
    progress.detail = `${progress.paused ? 'paused: ' : ''}${state.slotsDone}/${state.plan.totalSlots} slots, ${state.keys} keys moved${progress.inFlight.length ? `; now ${progress.inFlight.join(', ')}` : ''}`;
    setCurrentDetails(progress.detail);
  };
  let stopped = false;

  const runLane = async (lane: number[]) => {
    for (const pairIndex of lane) {
      const pair = state.plan.pairs[pairIndex];
      const chunks = pairChunks(pair, options.slotsPerActivity);
      while (state.chunksDone[pairIndex] < chunks.length) {
        if (control.isPaused()) {
          report();
          await condition(() => !control.isPaused());
        }
        if (control.shouldStop()) {
          stopped = true;
          return;
        }
        const slots = chunks[state.chunksDone[pairIndex]];
        const tag = `${label(pair.source)}->${label(pair.target)}: ${slots[0]}..${slots[slots.length - 1]}`;
        progress.inFlight.push(tag);
        report();
        const result = await redisMigrate.migrateRedisSlots({
          source: pair.source,
          target: pair.target,
          otherMasters: state.masters,
          slots,
          options,
        });
        progress.inFlight.splice(progress.inFlight.indexOf(tag), 1);
        state.chunksDone[pairIndex]++;
        state.slotsDone += slots.length;
        state.keys += result.keys;
        state.bytes += result.bytes;
        state.ioerrRecoveries += result.ioerrRecoveries;
        state.phaseMs = addPhases(state.phaseMs ?? {}, result.phaseMs);
        state.activities = (state.activities ?? 0) + 1;
        report();
      }
      progress.done.push(`${label(pair.source)}->${label(pair.target)}`);
    }
  };

  const runner = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) await runLane(lane);
  };
  await Promise.all(Array.from({ length: Math.min(options.maxParallel, Math.max(queue.length, 1)) }, runner));
  report();
  return stopped ? 'stopped' : 'finished';
}

/** Continue as new once the history is long, so a 16384-slot plan never hits history limits. */
export function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.historyLength > limit || info.continueAsNewSuggested;
}
