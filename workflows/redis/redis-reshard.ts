// redisReshard: move N slots, or named slot ranges, from sources to a target master. The plan
// is computed once, from the topology read at the start, and kept in workflow state (and in
// the continue-as-new arguments), so a resumed or continued run moves exactly the planned slots.
import { continueAsNew } from '@temporalio/workflow';
import { masters } from '../../policy/redis/redis-cluster-view';
import { migrationOptionsOf, parseRedisReshardInput, type RedisReshardInput } from '../../policy/redis/redis-input';
import { planMoveCount, planMoveRanges } from '../../policy/redis/redis-slot-plan';
import {
  validInput,
  planRejected,
  redisQuick,
  requireHealthyCluster,
  trackProgress,
  underRedisMutex,
  verifyAfterChange,
} from './redis-common';
import { historyIsLong, newMigrationState, runMigration, type MigrationState } from './redis-migration';
import type { BigKey } from '../../contracts/redis';
import type { PhaseMs } from '../../policy/redis/redis-migrate-phases';

export interface RedisReshardCarry {
  state: MigrationState;
  bigKeys: BigKey[];
  bigKeyScan?: { keysScanned: number; complete: boolean };
  paused: boolean;
  runs: number;
}

export interface RedisReshardResult {
  slotsMoved: number;
  keysMoved: number;
  bytesMoved: number;
  ioerrRecoveries: number;
  pairs: Array<{ source: string; target: string; slots: number }>;
  bigKeys: BigKey[];
  /** How much of the keyspace the bounded big-key scan sampled; complete false: big keys may remain unseen. */
  bigKeyScan: { keysScanned: number; complete: boolean };
  /** How many runs the chain took (1 + continue-as-new count). */
  runs: number;
  /** Where the migration activities spent their time (summed busy ms per phase) and how many ran. */
  profile: { phaseMs: PhaseMs; activities: number };
}

export async function redisReshard(rawInput: unknown, carry?: RedisReshardCarry): Promise<RedisReshardResult> {
  const input = validInput('redisReshard', parseRedisReshardInput(rawInput));
  const summary = `redisReshard ${input.slots ?? input.ranges?.length + ' ranges'} to ${input.target.slice(0, 8)}`;
  return underRedisMutex(redisReshard, 'redisReshard', rawInput, summary, () => reshardUnderMutex(rawInput, input, carry));
}

async function reshardUnderMutex(rawInput: unknown, input: RedisReshardInput, carry?: RedisReshardCarry): Promise<RedisReshardResult> {
  const progress = trackProgress(true);
  progress.paused = carry?.paused ?? false;
  const options = migrationOptionsOf(input);

  let state: MigrationState;
  let bigKeys: BigKey[];
  let bigKeyScan = carry?.bigKeyScan ?? { keysScanned: 0, complete: false };
  if (carry) {
    ({ state, bigKeys } = carry);
  } else {
    progress.step = 'preflight';
    const report = await requireHealthyCluster(input.bigKeyBytes, input.bigKeyScanKeys > 0, undefined, {
      maxKeys: input.bigKeyScanKeys,
      maxMs: input.bigKeyScanMs,
    });
    bigKeys = report.bigKeys;
    bigKeyScan = { keysScanned: report.keysScanned, complete: report.scanComplete };
    const view = await redisQuick.readRedisTopology();
    const planned = input.ranges
      ? planMoveRanges(view, { target: input.target, sources: input.sources, ranges: input.ranges })
      : planMoveCount(view, { target: input.target, sources: input.sources, count: input.slots ?? 0 });
    if (!planned.ok) throw planRejected(planned.code, planned.message);
    state = newMigrationState(
      planned.plan,
      masters(view).map(({ id, host, port }) => ({ id, host, port })),
    );
  }

  progress.step = 'migrate';
  const outcome = await runMigration(state, options, progress, {
    isPaused: () => progress.paused,
    shouldStop: () => historyIsLong(input.continueAsNewAfterEvents),
  });
  if (outcome === 'stopped') {
    return continueAsNew<typeof redisReshard>(rawInput, {
      state,
      bigKeys,
      bigKeyScan,
      paused: progress.paused,
      runs: (carry?.runs ?? 1) + 1,
    });
  }

  await verifyAfterChange(progress, input.bigKeyBytes);
  progress.step = 'done';
  return {
    slotsMoved: state.slotsDone,
    keysMoved: state.keys,
    bytesMoved: state.bytes,
    ioerrRecoveries: state.ioerrRecoveries,
    pairs: state.plan.pairs.map((p) => ({
      source: `${p.source.host}:${p.source.port}`,
      target: `${p.target.host}:${p.target.port}`,
      slots: p.ranges.reduce((n, [a, b]) => n + b - a + 1, 0),
    })),
    bigKeys,
    bigKeyScan,
    runs: carry?.runs ?? 1,
    profile: { phaseMs: state.phaseMs ?? {}, activities: state.activities ?? 0 },
  };
}
