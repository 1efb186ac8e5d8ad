// rollingUpdate when the service is a Kubernetes Deployment (describeService says
// rollout: 'deployment'): the Deployment's own rollout replaces the Pods (maxSurge and
// maxUnavailable are the manifest's), and the workflow follows it. The same signals mean
// the same things: pause and resume set the Deployment's spec.paused, abort (or a failed
// wait, or a cancel) rolls back to the previous ReplicaSet's template, and pauseAfter stops
// the rollout once that many Pods run the new version (a canary).
import { ApplicationFailure, CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import type { RollingUpdateProgress, ServiceSpec } from '../../contracts/scaling';
import type { RollingUpdateInput } from '../../policy/scaling/rolling-update-input';
import { longWait, quick } from '../common/activity-options';
import { surfaceApplicationFailure } from '../common/failures';
import type { Report } from './instance-steps';

interface Rollout {
  input: RollingUpdateInput;
  progress: RollingUpdateProgress;
  report: Report;
  abortReason: () => string | undefined;
  generation: number;
  waitSeconds: number;
}

/** Follows the rollout until it is done (or `updatedAtLeast` Pods are), or until a pause or abort signal comes. */
async function follow(r: Rollout, updatedAtLeast?: number): Promise<'done' | 'signal'> {
  const scope = new CancellationScope();
  const wait = scope.run(() =>
    longWait(r.waitSeconds).waitForDeploymentRollout({
      service: r.input.service,
      generation: r.generation,
      updatedAtLeast,
      deadlineEpochMs: Date.now() + r.waitSeconds * 1000,
    }),
  );
  const signalled = condition(() => r.progress.paused || r.abortReason() !== undefined);
  const winner = await Promise.race([wait.then(() => 'done' as const), signalled.then(() => 'signal' as const)]);
  if (winner === 'signal') {
    scope.cancel();
    await wait.catch(() => undefined);
  }
  return winner;
}

async function rollBack(r: Rollout, from: string, why: string): Promise<never> {
  await CancellationScope.nonCancellable(async () => {
    r.progress.rollingBack = true;
    r.report('rollback', `rolling ${r.input.service} back to ${from}`);
    const back = await quick.rollBackDeployment({ service: r.input.service, version: from });
    await longWait(r.waitSeconds).waitForDeploymentRollout({
      service: r.input.service,
      generation: back.generation,
      deadlineEpochMs: Date.now() + r.waitSeconds * 1000,
    });
  });
  r.report('rolled-back', `${why}; rolled back to ${from}`);
  throw ApplicationFailure.create({
    type: FailureType.RollingUpdateRolledBack,
    message: `${why}; the Deployment was rolled back to ${from}`,
    nonRetryable: true,
  });
}

async function runRollout(r: Rollout, startedWithCanary: boolean): Promise<void> {
  const { input, progress, report } = r;
  if (startedWithCanary && (await follow(r, input.pauseAfter)) === 'done') progress.paused = true;
  for (;;) {
    if (progress.paused && r.abortReason() === undefined) {
      await quick.setDeploymentPaused({ service: input.service, paused: true });
      report('paused', `${input.service}'s rollout to ${input.version} is paused; signal resume or abort`);
      await condition(() => !progress.paused || r.abortReason() !== undefined);
    }
    if (r.abortReason() !== undefined) return;
    await quick.setDeploymentPaused({ service: input.service, paused: false });
    report('rollout', `following ${input.service}'s rollout to ${input.version}`);
    if ((await follow(r)) === 'done') return;
  }
}

export async function rollOutDeployment(
  spec: ServiceSpec,
  input: RollingUpdateInput,
  progress: RollingUpdateProgress,
  report: Report,
  abortReason: () => string | undefined,
): Promise<{ service: string; version: string; replaced: Array<{ old: string; new: string }>; instances: string[] }> {
  const from = spec.version;
  report('rollout', `setting ${input.service}'s image tag to ${input.version} (from ${from})`);
  const started = await quick.startDeploymentRollout({ service: input.service, version: input.version });
  progress.total = started.replicas;
  const r: Rollout = {
    input,
    progress,
    report,
    abortReason,
    generation: started.generation,
    waitSeconds: input.healthTimeoutSeconds * (started.replicas + 1),
  };
  const canary = started.changed && input.pauseAfter !== undefined && input.pauseAfter < started.replicas;
  try {
    await runRollout(r, canary);
  } catch (error) {
    if (isCancellation(error)) {
      await rollBack(r, from, 'cancelled').catch(() => undefined);
      throw error; // reported as cancelled, after the rollback
    }
    const cause = surfaceApplicationFailure(error);
    if (!(cause instanceof ApplicationFailure) || cause.type !== FailureType.InstanceUnhealthy) throw error;
    return rollBack(r, from, `rolling update to ${input.version} stopped: ${cause.message}`);
  }
  const aborted = abortReason();
  if (aborted !== undefined) return rollBack(r, from, `rolling update to ${input.version} aborted: ${aborted}`);
  const after = await quick.listInstances(input.service);
  progress.done = after.map((i) => i.name);
  report('done', `${input.service} runs ${input.version} on ${after.map((i) => i.name).join(', ')}`);
  return { service: input.service, version: input.version, replaced: [], instances: after.map((i) => i.name) };
}
