// pgFailover: replaces a failed primary. The workflow ID pg-failover/<cluster> is the
// cluster's mutex (shared with pgSwitchover). Steps: confirm the failure again, fence the
// old primary, choose the standby holding the most WAL (an operator approves when it lags
// too much), then the plan of policy/postgres/pg-plan.ts: promote, re-point, publish, restore
// synchronous replication, rejoin the old primary, publish again.
import { ApplicationFailure, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { chooseCandidate } from '../../policy/postgres/pg-candidate';
import { writableServers } from '../../policy/postgres/pg-cluster';
import { parsePgFailoverInput, type PgFailoverInput } from '../../policy/postgres/pg-input';
import { resolvePlan } from '../../policy/postgres/pg-plan';
import { pgFailoverMutexId } from '../../contracts/postgres';
import { approveFailoverSignal } from '../../contracts/postgres';
import { surfaceApplicationFailure } from '../common/failures';
import { runUnderMutex as runUnderSharedMutex } from '../common/mutex';
import { applyStep, control, describeTransition, modelFromObservation, probe, type StepRecord, type StepTimings } from './pg-steps';
import { trackProgress } from '../common/progress';
import { invalidInput } from '../common/validation';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';

export interface PgFailoverResult extends StepRecord {
  cluster: string;
  outcome: 'failed-over' | 'failed-over-rejoin-pending' | 'not-needed';
  reason: string;
  oldPrimary?: string;
  newPrimary?: string;
  candidate?: { name: string; lsn: string; lagBytes: number | null; code: string; approvedBy?: string };
  steps: string[];
  timings: StepTimings;
}

function runUnderMutex(input: PgFailoverInput): Promise<PgFailoverResult> {
  return runUnderSharedMutex(pgFailover, pgFailoverMutexId(input.cluster), input, {
    service: `postgres/${input.cluster}`,
    operation: 'pgFailover',
    summary: `pgFailover ${input.cluster}`,
  });
}

export async function pgFailover(rawInput: unknown): Promise<PgFailoverResult> {
  const parsed = parsePgFailoverInput(rawInput);
  if (!parsed.ok) throw invalidInput('pgFailover', parsed.problems);
  if (workflowInfo().workflowId !== pgFailoverMutexId(parsed.value.cluster)) return runUnderMutex(parsed.value);
  try {
    return await failoverUnderMutex(parsed.value);
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}

async function failoverUnderMutex(input: PgFailoverInput): Promise<PgFailoverResult> {
  const { progress, report } = trackProgress(`**${workflowInfo().workflowType}** — `);
  upsertSearchAttributes([
    { key: ServiceKey, value: `postgres/${input.cluster}` },
    { key: OperationKey, value: 'pgFailover' },
  ]);
  const timings: StepTimings = { startedAtMs: Date.now() };
  const record: StepRecord = {};
  const done = (step: string) => progress.done.push(step);
  let approvedBy: string | undefined;
  setHandler(approveFailoverSignal, (approval) => {
    approvedBy = approval?.approvedBy || 'operator';
  });

  // 1. Confirm the failure again: the monitor's view may be seconds old, and an operator may start this by hand.
  report('confirm', `confirming that the primary of ${input.cluster} has failed (${input.reason})`);
  const observed = await probe.observePgCluster(input.cluster);
  const oldPrimary =
    observed.published?.primary.name ??
    (writableServers(observed.servers).length === 1 ? writableServers(observed.servers)[0].name : undefined);
  if (!oldPrimary) {
    throw ApplicationFailure.create({
      type: FailureType.NoPrimaryKnown,
      message: `cluster ${input.cluster} has no published topology and no writable server, so the failed primary is unknown; publish a topology (run pgMonitor) or repair by hand`,
      nonRetryable: true,
    });
  }
  const old = observed.servers.find((s) => s.name === oldPrimary);
  if (old?.reachable && old.inRecovery === false) {
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

  // 3. The candidate: one already promoted by an earlier, interrupted run, or the standby holding the most WAL.
  const afterFence = await probe.observePgCluster(input.cluster);
  const alreadyWritable = writableServers(afterFence.servers).filter((s) => s.name !== oldPrimary);
  let newPrimary: string;
  let candidate: PgFailoverResult['candidate'];
  if (alreadyWritable.length === 1) {
    newPrimary = alreadyWritable[0].name;
    candidate = { name: newPrimary, lsn: alreadyWritable[0].currentLsn ?? '', lagBytes: null, code: 'AlreadyPromoted' };
  } else {
    const choice = chooseCandidate(afterFence.servers, oldPrimary, observed.lastKnownPrimaryLsn, input.maxLagBytes);
    if (!choice.ok)
      throw ApplicationFailure.create({
        type: FailureType.NoFailoverCandidate,
        message: `no standby of ${input.cluster} can be promoted: ${choice.reason}; ${oldPrimary} stays fenced`,
        nonRetryable: true,
      });
    candidate = { name: choice.name, lsn: choice.lsn, lagBytes: choice.lagBytes, code: choice.code };
    if (choice.needsApproval || input.requireApproval) {
      const why = input.requireApproval ? 'this failover requires approval' : choice.reason;
      report(
        'approval',
        `waiting up to ${input.approvalTimeoutSeconds} s for an operator to approve promoting ${choice.name} (${why}): temporal workflow signal --workflow-id ${workflowInfo().workflowId} --name approveFailover --input '{"approvedBy":"<you>"}'`,
      );
      const approved = await condition(() => approvedBy !== undefined, input.approvalTimeoutSeconds * 1000);
      if (!approved) {
        throw ApplicationFailure.create({
          type: FailureType.FailoverNotApproved,
          message: `nobody approved promoting ${choice.name} within ${input.approvalTimeoutSeconds} s (${why}); ${oldPrimary} stays fenced and nothing was promoted`,
          nonRetryable: true,
        });
      }
      candidate.approvedBy = approvedBy;
    }
    newPrimary = choice.name;
  }

  // 4–8. The plan: promote, re-point, publish, restore sync, rejoin, publish again.
  const plan = resolvePlan(modelFromObservation(afterFence, oldPrimary), { kind: 'failover', oldPrimary, newPrimary });
  const unreachable = afterFence.servers.filter((s) => !s.reachable && s.name !== oldPrimary).map((s) => s.name);
  let outcome: PgFailoverResult['outcome'] = 'failed-over';
  for (const t of plan) {
    report(t.kind, describeTransition(t));
    if (t.kind === 'publish' && record.rejoinError) continue; // the final publication would list the old primary that did not rejoin
    try {
      await applyStep(input.cluster, t, record, timings, unreachable, 60);
    } catch (error) {
      if (t.kind !== 'rejoin') throw error;
      // The cluster serves writes already; a rejoin that cannot finish now is for a person or a later run.
      record.rejoinError = surfaceMessage(error);
      outcome = 'failed-over-rejoin-pending';
    }
    done(describeTransition(t));
  }
  // A last look: it also records the new primary's WAL position, the lag reference of the next failover.
  await probe.observePgCluster(input.cluster);
  timings.doneAtMs = Date.now();
  report(
    'done',
    `${newPrimary} is the primary of ${input.cluster}; ${outcome === 'failed-over' ? `${oldPrimary} rejoined as a replica` : `${oldPrimary} did not rejoin: ${record.rejoinError}`}`,
  );
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

function surfaceMessage(error: unknown): string {
  const surfaced = surfaceApplicationFailure(error);
  return surfaced instanceof Error ? surfaced.message : String(surfaced);
}
