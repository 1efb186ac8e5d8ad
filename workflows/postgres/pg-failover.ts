// pgFailover: replaces a failed primary. The workflow ID pg-failover/<cluster> is the
// cluster's mutex (shared with pgSwitchover). Steps: confirm the failure again, fence the
// old primary, choose the standby holding the most WAL (an operator approves when it lags
// too much), then the plan of policy/postgres/pg-plan.ts: promote, re-point, publish, restore
// synchronous replication, rejoin the old primary, publish again. With the primary healthy it
// rejoins the standbys that do not stream from it (pgMonitor starts it so for a lost standby).
import { ApplicationFailure, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { decideFailoverNeed, decidePromotion, type Promotion } from '../../policy/postgres/pg-failover-decision';
import { parsePgFailoverInput, type PgFailoverInput } from '../../policy/postgres/pg-input';
import { resolvePlan } from '../../policy/postgres/pg-plan';
import { standbysNotStreaming } from '../../policy/postgres/pg-standby-loss';
import { pgFailoverMutexId } from '../../contracts/postgres';
import { approveFailoverSignal } from '../../contracts/postgres';
import { surfaceApplicationFailure } from '../common/failures';
import { underMutex } from '../common/mutex';
import { applyStep, control, describeTransition, planModel, probe, rejoin, type StepRecord, type StepTimings } from './pg-steps';
import { trackProgress } from '../common/progress';
import type { Report } from '../scaling/instance-steps';
import { validInput } from '../common/validation';

export interface PgFailoverResult extends StepRecord {
  cluster: string;
  /** rejoined-standbys: the primary was healthy and the standbys that did not stream from it were rejoined. */
  outcome: 'failed-over' | 'failed-over-rejoin-pending' | 'not-needed' | 'rejoined-standbys';
  reason: string;
  oldPrimary?: string;
  newPrimary?: string;
  candidate?: { name: string; lsn: string; lagBytes: number | null; code: string; approvedBy?: string };
  steps: string[];
  timings: StepTimings;
}

export async function pgFailover(rawInput: unknown): Promise<PgFailoverResult> {
  const input = validInput('pgFailover', parsePgFailoverInput(rawInput));
  const labels = { service: `postgres/${input.cluster}`, operation: 'pgFailover', summary: `pgFailover ${input.cluster}` };
  return underMutex(pgFailover, pgFailoverMutexId(input.cluster), input, labels, () => failoverUnderMutex(input));
}

async function failoverUnderMutex(input: PgFailoverInput): Promise<PgFailoverResult> {
  const { progress, report } = trackProgress(`**${workflowInfo().workflowType}** — `);
  const timings: StepTimings = { startedAtMs: Date.now() };
  const record: StepRecord = {};
  const done = (step: string) => progress.done.push(step);
  const waitForApproval = approvalWaiter(input, report);

  // 1. Confirm the failure again (policy/postgres/pg-failover-decision.ts, decideFailoverNeed).
  report('confirm', `confirming that the primary of ${input.cluster} has failed (${input.reason})`);
  const observed = await probe.observePgCluster(input.cluster);
  const need = decideFailoverNeed(observed);
  if (need.action === 'refuse') {
    throw ApplicationFailure.create({
      type: FailureType.NoPrimaryKnown,
      message: `${need.reason}; publish a topology (run pgMonitor) or repair by hand`,
      nonRetryable: true,
    });
  }
  const oldPrimary = need.oldPrimary;
  // A healthy primary with a standby that does not stream from it (the monitor's StandbyLost,
  // or a standby crashed during an operation): rejoin that standby. Histories from before
  // this step replay the plain "not needed" answer.
  const lost = need.action === 'none' ? standbysNotStreaming(observed, need.oldPrimary) : [];
  if (need.action === 'none' && lost.length > 0 && patched('pg-failover-rejoins-lost-standbys')) {
    return rejoinLostStandbys(input.cluster, need.oldPrimary, lost, { record, timings, report, done, steps: progress.done });
  }
  if (need.action === 'none') {
    report('done', `${oldPrimary} answers and accepts writes: no failover needed (use pgSwitchover for a planned change)`);
    return {
      cluster: input.cluster,
      outcome: 'not-needed',
      reason: `${oldPrimary} is healthy`,
      oldPrimary,
      steps: [],
      timings: { ...timings, doneAtMs: Date.now() },
    };
  }

  // 2. Fence the old primary before anything is promoted.
  report('fence', `fencing the old primary ${oldPrimary}: stop it if it answers, cut every standby off from it`);
  record.fence = await control.fencePgServer({ name: oldPrimary, mode: 'failover' });
  timings.fencedAtMs = Date.now();
  done(`fence ${oldPrimary}: ${record.fence.stop}, detached ${record.fence.detached.join(', ') || 'none'}`);

  // 3. The candidate (decidePromotion): one already promoted by an interrupted run, or the standby holding the most WAL.
  const afterFence = await probe.observePgCluster(input.cluster);
  const { newPrimary, candidate } = await applyPromotion(
    decidePromotion({ afterFence, oldPrimary, lastKnownPrimaryLsn: observed.lastKnownPrimaryLsn, ...input }),
    input,
    oldPrimary,
    waitForApproval,
  );

  // 4–8. The plan: promote, re-point, publish, restore sync, rejoin, publish again.
  const outcome = await applyFailoverPlan(input.cluster, afterFence, { oldPrimary, newPrimary }, { record, timings, report, done });
  // A last look: it also records the new primary's WAL position, the lag reference of the next failover.
  await probe.observePgCluster(input.cluster);
  timings.doneAtMs = Date.now();
  const rejoined =
    outcome === 'failed-over' ? `${oldPrimary} rejoined as a replica` : `${oldPrimary} did not rejoin: ${record.rejoinError}`;
  report('done', `${newPrimary} is the primary of ${input.cluster}; ${rejoined}`);
  return {
    cluster: input.cluster,
    outcome,
    reason: input.reason,
    oldPrimary,
    newPrimary,
    candidate,
    ...record,
    steps: [...progress.done],
    timings,
  };
}

/** Applies the plan of pg-plan.ts one transition at a time; a rejoin that cannot finish leaves the failover done, rejoin pending. */
async function applyFailoverPlan(
  cluster: string,
  afterFence: Awaited<ReturnType<typeof probe.observePgCluster>>,
  roles: { oldPrimary: string; newPrimary: string },
  run: { record: StepRecord; timings: StepTimings; report: Report; done: (step: string) => void },
): Promise<PgFailoverResult['outcome']> {
  const { record, timings, report, done } = run;
  const plan = resolvePlan(planModel(afterFence, roles.oldPrimary), { kind: 'failover', ...roles });
  const unreachable = afterFence.servers.filter((s) => !s.reachable && s.name !== roles.oldPrimary).map((s) => s.name);
  let outcome: PgFailoverResult['outcome'] = 'failed-over';
  for (const t of plan) {
    report(t.kind, describeTransition(t));
    if (t.kind === 'publish' && record.rejoinError) continue; // the final publication would list the old primary that did not rejoin
    try {
      await applyStep(cluster, t, record, timings, unreachable, 60);
    } catch (error) {
      if (t.kind !== 'rejoin') throw error;
      // The cluster serves writes already; a rejoin that cannot finish now is for a person or a later run.
      record.rejoinError = surfaceMessage(error);
      outcome = 'failed-over-rejoin-pending';
    }
    done(describeTransition(t));
  }
  return outcome;
}

type ApprovalWaiter = (candidate: string, why: string) => Promise<string | undefined>;

/** Registers the approval signal at once (a signal may arrive before the wait starts) and returns the wait. */
function approvalWaiter(input: PgFailoverInput, report: Report): ApprovalWaiter {
  let approvedBy: string | undefined;
  setHandler(approveFailoverSignal, (approval) => {
    approvedBy = approval?.approvedBy || 'operator';
  });
  return async (candidate, why) => {
    report(
      'approval',
      `waiting up to ${input.approvalTimeoutSeconds} s for an operator to approve promoting ${candidate} (${why}): temporal workflow signal --workflow-id ${workflowInfo().workflowId} --name approveFailover --input '{"approvedBy":"<you>"}'`,
    );
    const approved = await condition(() => approvedBy !== undefined, input.approvalTimeoutSeconds * 1000);
    return approved ? approvedBy : undefined;
  };
}

/** Applies the promotion decision: adopt, refuse, or (after any approval) name the standby the plan promotes. */
async function applyPromotion(
  promotion: Promotion,
  input: PgFailoverInput,
  oldPrimary: string,
  waitForApproval: ApprovalWaiter,
): Promise<{ newPrimary: string; candidate: NonNullable<PgFailoverResult['candidate']> }> {
  if (promotion.action === 'adopt') {
    return { newPrimary: promotion.name, candidate: { name: promotion.name, lsn: promotion.lsn, lagBytes: null, code: promotion.code } };
  }
  if (promotion.action === 'refuse') {
    throw ApplicationFailure.create({
      type: FailureType.NoFailoverCandidate,
      message: `no standby of ${input.cluster} can be promoted: ${promotion.reason}; ${oldPrimary} stays fenced`,
      nonRetryable: true,
    });
  }
  const { choice, approval } = promotion;
  const candidate: NonNullable<PgFailoverResult['candidate']> = {
    name: choice.name,
    lsn: choice.lsn,
    lagBytes: choice.lagBytes,
    code: choice.code,
  };
  if (approval.needed) {
    const approvedBy = await waitForApproval(choice.name, approval.why);
    if (approvedBy === undefined) {
      throw ApplicationFailure.create({
        type: FailureType.FailoverNotApproved,
        message: `nobody approved promoting ${choice.name} within ${input.approvalTimeoutSeconds} s (${approval.why}); ${oldPrimary} stays fenced and nothing was promoted`,
        nonRetryable: true,
      });
    }
    candidate.approvedBy = approvedBy;
  }
  return { newPrimary: choice.name, candidate };
}

/** Rejoins each standby that does not stream from the healthy primary; one that cannot rejoin now is left for the next run. */
async function rejoinLostStandbys(
  cluster: string,
  primary: string,
  lost: string[],
  run: { record: StepRecord; timings: StepTimings; report: Report; done: (step: string) => void; steps: string[] },
): Promise<PgFailoverResult> {
  const { record, timings, report, done } = run;
  for (const name of lost) {
    report('rejoin', `${primary} is healthy; rejoining standby ${name}, which does not stream from it`);
    try {
      record.rejoin = await rejoin.rejoinPgServer({ name, to: primary });
      timings.rejoinedAtMs = Date.now();
      done(`rejoin ${name} to ${primary}: ${record.rejoin.method}`);
    } catch (error) {
      record.rejoinError = `${name}: ${surfaceMessage(error)}`;
      done(`rejoin ${name} to ${primary} failed: ${record.rejoinError}`);
    }
  }
  await probe.observePgCluster(cluster);
  timings.doneAtMs = Date.now();
  report(
    'done',
    `${primary} stays the primary of ${cluster}; rejoined ${lost.join(', ')}${record.rejoinError ? ` (not all: ${record.rejoinError})` : ''}`,
  );
  return {
    cluster,
    outcome: 'rejoined-standbys',
    reason: `${primary} is healthy; standby ${lost.join(', ')} did not stream from it`,
    oldPrimary: primary,
    newPrimary: primary,
    ...record,
    steps: [...run.steps],
    timings,
  };
}

function surfaceMessage(error: unknown): string {
  const surfaced = surfaceApplicationFailure(error);
  return surfaced instanceof Error ? surfaced.message : String(surfaced);
}
