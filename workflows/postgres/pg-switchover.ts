// pgSwitchover: a planned change of primary with zero data loss, under the same mutex as
// pgFailover (pg-failover/<cluster>). Checks the target is a caught-up streaming replica,
// stops the primary cleanly, waits until the target has replayed its shutdown checkpoint,
// promotes it, re-points the other replica, publishes, restores sync, and rejoins the old
// primary as a replica.
import { ApplicationFailure, CancellationScope, patched, workflowInfo } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { checkSwitchoverTarget, parsePgSwitchoverInput, type PgSwitchoverInput } from '../../policy/postgres/pg-input';
import { resolvePlan, type Transition } from '../../policy/postgres/pg-plan';
import { pgFailoverMutexId } from '../../contracts/postgres';
import { underMutex } from '../common/mutex';
import { applyStep, control, describeTransition, planModel, probe, rejoin, type StepRecord, type StepTimings } from './pg-steps';
import { trackProgress } from '../common/progress';
import { validInput } from '../common/validation';

export interface PgSwitchoverResult extends StepRecord {
  cluster: string;
  oldPrimary: string;
  newPrimary: string;
  steps: string[];
  timings: StepTimings;
}

export async function pgSwitchover(rawInput: unknown): Promise<PgSwitchoverResult> {
  const input = validInput('pgSwitchover', parsePgSwitchoverInput(rawInput));
  const labels = {
    service: `postgres/${input.cluster}`,
    operation: 'pgSwitchover',
    summary: `pgSwitchover ${input.cluster} to ${input.target}`,
  };
  return underMutex(pgSwitchover, pgFailoverMutexId(input.cluster), input, labels, () => switchoverUnderMutex(input));
}

async function switchoverUnderMutex(input: PgSwitchoverInput): Promise<PgSwitchoverResult> {
  const { progress, report } = trackProgress(`**${workflowInfo().workflowType}** — `);
  const timings: StepTimings = { startedAtMs: Date.now() };
  const record: StepRecord = {};

  report('check', `checking that ${input.target} is a caught-up streaming replica`);
  const observed = await probe.observePgCluster(input.cluster);
  const check = checkSwitchoverTarget(input.target, observed, input.maxLagBytes);
  if (!check.ok) {
    // Nothing has changed yet: the target is the primary (bad input) or not ready.
    throw ApplicationFailure.create({
      type: check.code === 'TargetIsPrimary' ? FailureType.InvalidInput : FailureType.SwitchoverTargetNotReady,
      message: `invalid pgSwitchover target: ${check.message}`,
      nonRetryable: true,
    });
  }
  const oldPrimary = check.primary;
  const plan = resolvePlan(planModel(observed, null), { kind: 'switchover', oldPrimary, newPrimary: input.target });
  let promoted = false;
  for (const t of plan) {
    report(t.kind, describeTransition(t));
    try {
      await applyStep(input.cluster, t, record, timings, [], input.timeoutSeconds);
    } catch (error) {
      if (!promoted && record.fence) {
        // Stopped but nothing promoted: the old primary takes over again, so the switchover changes nothing.
        await CancellationScope.nonCancellable(() => control.unfencePgServer(oldPrimary));
      }
      // Once the target is promoted there is no going back: a server that died since the check
      // (found by the chaos harness, a replica SIGKILLed mid-switchover) must not stop the
      // publication, or the cluster is left with an unpublished primary and the old one stopped.
      if (!promoted || !(await carryOnAfterPromotion(t, record, error))) throw error;
    }
    if (t.kind === 'promote') promoted = true;
    progress.done.push(describeTransition(t));
  }
  // A last look: it also records the new primary's WAL position, the lag reference of the next failover.
  await probe.observePgCluster(input.cluster);
  timings.doneAtMs = Date.now();
  report('done', `${input.target} is the primary of ${input.cluster}; ${oldPrimary} rejoined as a replica`);
  return { cluster: input.cluster, oldPrimary, newPrimary: input.target, ...record, steps: [...progress.done], timings };
}

/**
 * After the promotion, a re-point that fails (the server died) becomes a rejoin, and a rejoin
 * that cannot finish is left for pgMonitor's standby-loss rejoin: the switchover carries on
 * to publish. True when it carries on. Histories from before this rule replay the failure.
 */
async function carryOnAfterPromotion(t: Transition, record: StepRecord, error: unknown): Promise<boolean> {
  if ((t.kind !== 'repoint' && t.kind !== 'rejoin') || !patched('pg-switchover-carries-on-after-promotion')) return false;
  if (t.kind === 'repoint') {
    try {
      record.rejoin = await rejoin.rejoinPgServer({ name: t.node, to: t.to });
      return true;
    } catch (rejoinError) {
      error = rejoinError;
    }
  }
  const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause : error) : undefined;
  record.rejoinError = `${t.node}: ${cause?.message ?? String(error)}`;
  return true;
}
