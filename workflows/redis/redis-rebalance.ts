// redisRebalance: even out slots by weight (redis-cli's rule, 2 % threshold by default),
// optionally onto empty masters. dryRun returns the plan and moves nothing.
import { masters } from '../../policy/redis/redis-cluster-view';
import { migrationOptionsOf, parseRedisRebalanceInput, type RedisRebalanceInput } from '../../policy/redis/redis-input';
import { planRebalance, type RebalanceEntry } from '../../policy/redis/redis-slot-plan';
import { validInput, planRejected, preflightTopology, trackProgress, underRedisMutex, verifyAfterChange } from './redis-common';
import { newMigrationState, runMigration } from './redis-migration';

export interface RedisRebalanceResult {
  dryRun: boolean;
  withinThresholdBefore: boolean;
  balance: RebalanceEntry[];
  moves: Array<{ source: string; target: string; slots: number; ranges: Array<[number, number]> }>;
  slotsMoved: number;
  keysMoved: number;
}

export async function redisRebalance(rawInput: unknown): Promise<RedisRebalanceResult> {
  const input = validInput('redisRebalance', parseRedisRebalanceInput(rawInput));
  return underRedisMutex(redisRebalance, 'redisRebalance', rawInput, `redisRebalance${input.dryRun ? ' (dry run)' : ''}`, () =>
    rebalanceUnderMutex(input),
  );
}

async function rebalanceUnderMutex(input: RedisRebalanceInput): Promise<RedisRebalanceResult> {
  const progress = trackProgress(true);
  const view = await preflightTopology(progress);
  const planned = planRebalance(view, {
    weights: input.weights,
    thresholdPercent: input.thresholdPercent,
    useEmptyMasters: input.useEmptyMasters,
  });
  if (!planned.ok) throw planRejected(planned.code, planned.message);
  const moves = planned.plan.pairs.map((p) => ({
    source: `${p.source.host}:${p.source.port}`,
    target: `${p.target.host}:${p.target.port}`,
    slots: p.ranges.reduce((n, [a, b]) => n + b - a + 1, 0),
    ranges: p.ranges,
  }));
  const result: RedisRebalanceResult = {
    dryRun: input.dryRun,
    withinThresholdBefore: planned.withinThreshold,
    balance: planned.balance,
    moves,
    slotsMoved: 0,
    keysMoved: 0,
  };
  if (input.dryRun || planned.plan.totalSlots === 0) {
    progress.step = 'done';
    return result;
  }
  const state = newMigrationState(
    planned.plan,
    masters(view).map(({ id, host, port }) => ({ id, host, port })),
  );
  progress.step = 'migrate';
  await runMigration(state, migrationOptionsOf(input), progress, { isPaused: () => progress.paused, shouldStop: () => false });
  await verifyAfterChange(progress, 8 * 1024 * 1024);
  progress.step = 'done';
  return { ...result, slotsMoved: state.slotsDone, keysMoved: state.keys };
}
