// What the Redis topology workflows share: the mutex, activity option sets, the pause and
// resume signals, the progress shape, and failures built from plan rejections.
import { ApplicationFailure, patched, proxyActivities, setHandler, type Workflow } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { doubling } from '../common/activity-options';
import type { BigKeyScanLimits } from '../../policy/redis/redis-big-keys';
import { FailureType, type FailureTypeName } from '../../contracts/common/failure-types';
import type { PlanRejectionCode } from '../../policy/redis/redis-slot-plan';
import { pauseSignal, REDIS_MUTEX_ID, REDIS_SERVICE, resumeSignal, type RedisProgress } from '../../contracts/redis';
import { progressQuery } from '../../contracts/common/progress';
import { underMutex } from '../common/mutex';

export { pauseSignal, resumeSignal, type RedisProgress } from '../../contracts/redis';
export { validInput } from '../common/validation';

// Reads and single commands against Redis. Ten attempts over about a minute ride out a node
// restart or a gossip delay; past that a person should look, so the workflow fails.
export const redisQuick = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: doubling('1 second', '10 seconds', 10),
});

// Slot migration: long, so it heartbeats; a dead worker is noticed within 10 s and the next
// attempt resumes at the slot in the heartbeat details. Many attempts, because every one of
// them makes progress from where the last stopped; a SlotConflict is non-retryable.
export const redisMigrate = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '10 seconds',
  retry: doubling('1 second', '10 seconds', 50),
});

export function newProgress(): RedisProgress {
  return {
    step: 'starting',
    detail: '',
    done: [],
    paused: false,
    slotsTotal: 0,
    slotsDone: 0,
    keys: 0,
    bytes: 0,
    ioerrRecoveries: 0,
    inFlight: [],
  };
}

/** A fresh progress record answered by the progress query; `pausable` also lets the pause and resume signals flip `paused`. */
export function trackProgress(pausable: boolean): RedisProgress {
  const progress = newProgress();
  setHandler(progressQuery, () => progress);
  if (pausable) {
    setHandler(pauseSignal, () => void (progress.paused = true));
    setHandler(resumeSignal, () => void (progress.paused = false));
  }
  return progress;
}

export function failure(type: FailureTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function planRejected(code: PlanRejectionCode, message: string): ApplicationFailure {
  return failure(FailureType[code], message);
}

/**
 * Runs `body` under the cluster's mutex workflow ID. Started with any other ID, the workflow
 * starts itself as a child under the mutex ID and returns the child's result, so a plain
 * `temporal workflow start --type redisReshard` also serialises with every other operation.
 */
export async function underRedisMutex<R>(
  workflow: Workflow,
  type: string,
  input: unknown,
  summary: string,
  body: () => Promise<R>,
): Promise<R> {
  return underMutex(
    workflow as (input: unknown) => Promise<R>,
    REDIS_MUTEX_ID,
    input,
    { service: REDIS_SERVICE, operation: type, summary },
    body,
  );
}

/** The cluster must be whole before a change: every slot covered, none open, views agreeing. */
export async function requireHealthyCluster(bigKeyBytes: number, scanBigKeys: boolean, settleMs = 20_000, scanLimits?: BigKeyScanLimits) {
  const report = await redisQuick.preflightRedisCluster({ bigKeyBytes, scanBigKeys, settleMs, ...(scanLimits ? { scanLimits } : {}) });
  if (report.problems.length > 0) throw clusterNotReady(report.problems);
  return report;
}

function clusterNotReady(problems: ReadonlyArray<{ detail: string }>) {
  const listed = problems
    .slice(0, 5)
    .map((p) => p.detail)
    .join('; ');
  return failure(
    FailureType.ClusterNotHealthy,
    `the cluster is not ready for a topology change: ${listed}; run redisFix or wait for gossip to settle`,
  );
}

/**
 * The check after a change: every slot covered and none open. A node seen failing (one that
 * died during the change while its replica took over its slots) does not undo a change that is
 * done, so it is reported, not thrown (found by the chaos harness: a master SIGKILLed during a
 * redisRemoveNode made a removal that had finished report ClusterNotHealthy, a failed operation
 * that had changed the cluster). Histories from before this rule replay the strict check.
 */
export async function verifyAfterChange(progress: RedisProgress, bigKeyBytes: number): Promise<void> {
  progress.step = 'verify';
  const report = await redisQuick.preflightRedisCluster({ bigKeyBytes, scanBigKeys: false, settleMs: 20_000 });
  if (report.problems.length === 0) return;
  const failingOnly = report.problems.every((p) => p.code === 'NodeFailing');
  if (!failingOnly || !patched('redis-verify-reports-failed-nodes')) throw clusterNotReady(report.problems);
  progress.detail = `done; a node failed meanwhile (its replica serves its slots): ${report.problems[0].detail}`;
}

/** The preflight of a node-level change: a healthy cluster (no big-key scan), then the topology to plan from. */
export async function preflightTopology(progress: RedisProgress) {
  progress.step = 'preflight';
  await requireHealthyCluster(8 * 1024 * 1024, false);
  return redisQuick.readRedisTopology();
}
