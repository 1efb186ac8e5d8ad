// healthRouter: one long-running workflow per service, health-router/<service>. Each round
// it probes every upstream member (health check and error rate), asks the pure policy
// (policy/routing/health-router.ts) for breaker states and weights, and applies them to nginx
// when they changed and the reload rate limit allows. It continues as new after
// roundsPerRun rounds, carrying its state, so its history stays small. Cancelling it hands
// the upstream back to plain membership (every member in, default weight).
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import {
  evaluateRound,
  initialRouterState,
  RAMP_START_WEIGHT,
  type HealthRouterSettings,
  type RouterState,
} from '../../policy/routing/health-router';
import {
  mergeHealthRouterSettings,
  parseHealthRouterInput,
  type HealthRouterInput,
  type HealthRouterTotals,
} from '../../policy/routing/health-router-input';
import { healthRouterId } from '../../contracts/routing';
import { quick } from '../common/activity-options';
import { healthRouterProgressQuery, type HealthRouterProgress } from '../../contracts/routing';
import { progressQuery } from '../../contracts/common/progress';
import { surfaceApplicationFailure } from '../common/failures';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { invalidInput, validInput } from '../common/validation';

// Applying routing takes the upstream's file lock and may reload nginx: a few quick
// attempts, then the next round tries again with fresh data, so no retry is worth more.
const apply = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

const MAX_EVENTS = 30;

export interface HealthRouterResult {
  service: string;
  /** Set when this run was started under another ID and handed the work to health-router/<service>. */
  handedOverTo?: string;
  alreadyRunning?: boolean;
}

export async function healthRouter(rawInput: unknown): Promise<HealthRouterResult> {
  const input = validInput('healthRouter', parseHealthRouterInput(rawInput));
  const id = healthRouterId(input.service);
  if (workflowInfo().workflowId !== id) return handOver(id, input);
  try {
    return await route(input);
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}

/** A plain `temporal workflow start` without the ID: start the real router there (or find it running) and finish. */
async function handOver(workflowId: string, input: HealthRouterInput): Promise<HealthRouterResult> {
  try {
    await startChild(healthRouter, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: ServiceKey, value: input.service },
        { key: OperationKey, value: 'healthRouter' },
      ],
      staticSummary: `healthRouter ${input.service}`,
    });
    return { service: input.service, handedOverTo: workflowId, alreadyRunning: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { service: input.service, handedOverTo: workflowId, alreadyRunning: true };
    throw error;
  }
}

async function route(input: HealthRouterInput): Promise<HealthRouterResult> {
  upsertSearchAttributes([
    { key: ServiceKey, value: input.service },
    { key: OperationKey, value: 'healthRouter' },
  ]);
  const spec = await quick.describeService(input.service);
  const merged = mergeHealthRouterSettings(await quick.healthRouterDefaults(), input);
  if (!merged.ok) throw invalidInput('healthRouter', merged.problems);
  const settings = merged.value;

  let state: RouterState = input.carried?.state ?? initialRouterState();
  const totals: HealthRouterTotals = input.carried
    ? { ...input.carried.totals, runs: input.carried.totals.runs + 1 }
    : { rounds: 0, runs: 1, reloadsApplied: 0, reloadsDeferred: 0, roundsUnchanged: 0, probeFailures: 0 };
  const progress: HealthRouterProgress = {
    step: 'starting',
    detail: '',
    done: [],
    service: input.service,
    run: totals.runs,
    ...totals,
    instances: [],
    events: input.carried?.events ?? [],
  };
  setHandler(healthRouterProgressQuery, () => progress);
  setHandler(progressQuery, () => progress);
  const report = (step: string, detail: string) => {
    Object.assign(progress, totals, { step, detail, run: totals.runs });
    setCurrentDetails(detail);
  };

  // A probe must come back within its timeout or not at all: the next round is the retry.
  const probe = proxyActivities<Activities>({
    startToCloseTimeout: `${Math.ceil((settings.probeTimeoutMs * 2) / 1000) + 10} seconds`,
    retry: { maximumAttempts: 1 },
  });

  try {
    for (let round = 1; round <= settings.roundsPerRun; round++) {
      totals.rounds += 1;
      state = await runRound(input.service, spec.healthPath, settings, probe, state, totals, progress, report);
      if (workflowInfo().continueAsNewSuggested) break;
      await sleep(settings.probeIntervalSeconds * 1000);
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled: nginx goes back to plain membership, so no ejection outlives the router.
    report('stopping', `cancelled: handing the ${input.service} upstream back to plain membership`);
    await CancellationScope.nonCancellable(() => apply.releaseUpstreamRouting(input.service));
    throw error;
  }
  report('continuing', `continuing as new after ${totals.rounds} rounds`);
  const { carried: _old, ...overrides } = input;
  return continueAsNew<typeof healthRouter>({ ...overrides, carried: { state, totals, events: progress.events } });
}

async function runRound(
  service: string,
  healthPath: string,
  settings: HealthRouterSettings,
  probe: ReturnType<typeof proxyActivities<Activities>>,
  state: RouterState,
  totals: HealthRouterTotals,
  progress: HealthRouterProgress,
  report: (step: string, detail: string) => void,
): Promise<RouterState> {
  let observation;
  try {
    observation = await probe.probeUpstreamInstances({ service, healthPath, timeoutMs: settings.probeTimeoutMs });
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    totals.probeFailures += 1;
    report('probe-failed', `round ${totals.rounds}: the probe failed (${surfaceMessage(error)}); nothing changed, trying again next round`);
    return state;
  }
  const decision = evaluateRound(state, observation, settings, Date.now());
  progress.instances = decision.instances;
  progress.events = [...progress.events, ...decision.events.map((e) => ({ round: totals.rounds, ...e }))].slice(-MAX_EVENTS);

  let outcome: string = decision.reload.action;
  if (decision.reload.action === 'apply') {
    try {
      const result = await apply.applyUpstreamRouting({
        service,
        entries: decision.desired,
        newMemberWeight: RAMP_START_WEIGHT,
        minReloadIntervalMs: settings.reloadIntervalSeconds * 1000,
      });
      if (result.applied) totals.reloadsApplied += result.reloaded ? 1 : 0;
      else totals.reloadsDeferred += 1;
      outcome = result.applied ? (result.reloaded ? 'reloaded' : 'written') : `deferred ${Math.ceil(result.deferredForMs / 1000)} s`;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      outcome = `not applied (${surfaceMessage(error)}); the next round tries again`;
    }
  } else if (decision.reload.action === 'deferred') {
    totals.reloadsDeferred += 1;
  } else {
    totals.roundsUnchanged += 1;
  }
  const summary = decision.instances.map((i) => `${i.name} ${i.down ? i.breaker : `w${i.weight}`} (${i.score})`).join(', ') || 'no members';
  report('routing', `round ${totals.rounds}: ${summary}; nginx ${outcome}`);
  return decision.state;
}

function surfaceMessage(error: unknown): string {
  const cause = surfaceApplicationFailure(error);
  return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
}
