// rollingUpdate: replace a service's instances one at a time with a new version. A new
// instance must be healthy and reachable through nginx before an old one drains, so the
// count stays between N and N + 1. A failed health wait, an abort signal or a cancel rolls
// every replaced instance back to its old version, in a scope a cancel cannot interrupt.
import { ApplicationFailure, CancellationScope, condition, isCancellation, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { planNewInstances } from '../../policy/scaling/instance-plan';
import { parseRollingUpdateInput, type RollingUpdateInput } from '../../policy/scaling/rolling-update-input';
import { quick } from '../common/activity-options';
import {
  abortSignal,
  pauseSignal,
  resumeSignal,
  rollingUpdateProgressQuery,
  type RollingUpdateProgress,
  type ServiceSpec,
} from '../../contracts/scaling';
import { progressQuery } from '../../contracts/common/progress';
import { surfaceApplicationFailure } from '../common/failures';
import { bringUpInstance, drainAndRemove, type Report } from './instance-steps';
import { rollOutDeployment } from './rolling-update-deployment';
import { underServiceMutex } from './service-mutex';
import { validInput } from '../common/validation';

export interface RollingUpdateResult {
  service: string;
  version: string;
  replaced: Array<{ old: string; new: string }>;
  instances: string[];
}

export async function rollingUpdate(rawInput: unknown): Promise<RollingUpdateResult> {
  const input = validInput('rollingUpdate', parseRollingUpdateInput(rawInput));
  return underServiceMutex(rollingUpdate, input, 'rollingUpdate', `rollingUpdate ${input.service} to ${input.version}`, () =>
    updateUnderMutex(input),
  );
}

async function updateUnderMutex(input: RollingUpdateInput): Promise<RollingUpdateResult> {
  const progress: RollingUpdateProgress = {
    step: 'starting',
    detail: '',
    done: [],
    version: input.version,
    total: 0,
    replaced: [],
    paused: false,
    rollingBack: false,
  };
  let abortReason: string | undefined;
  setHandler(rollingUpdateProgressQuery, () => progress);
  setHandler(progressQuery, () => progress);
  setHandler(pauseSignal, () => void (progress.paused = true));
  setHandler(resumeSignal, () => void (progress.paused = false));
  setHandler(abortSignal, (reason) => void (abortReason = reason || 'aborted by an operator'));
  const report: Report = (step, detail) => {
    progress.step = step;
    progress.detail = detail;
    setCurrentDetails(detail);
  };

  const spec = await quick.describeService(input.service);
  // A Deployment rolls itself out; runs recorded before the kubernetes driver have no `rollout` and go on below.
  if (spec.rollout === 'deployment') return rollOutDeployment(spec, input, progress, report, () => abortReason);
  const outdated = (await quick.listInstances(input.service)).filter((i) => i.running && i.version !== input.version);
  progress.total = outdated.length;
  const oldVersions = new Map(outdated.map((i) => [i.name, i.version]));

  const step: InFlight = { phase: 'idle' };
  try {
    for (const old of outdated) {
      const stopped = await replaceOne(spec, input, progress, old, step, report, () => abortReason);
      if (stopped !== undefined) return rollBack(spec, input, progress, oldVersions, report, stopped);
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      await settleInFlight(spec, input, progress, step, report);
      await undoReplacements(spec, input, progress, oldVersions, report);
    });
    report('cancelled', `rolling update to ${input.version} cancelled; rolled back ${progress.replaced.length} instance(s)`);
    throw error; // reported as cancelled, after the rollback
  }

  const after = await quick.listInstances(input.service);
  report('done', `${input.service} runs ${input.version} on ${after.map((i) => i.name).join(', ')}`);
  return { service: input.service, version: input.version, replaced: [...progress.replaced], instances: after.map((i) => i.name) };
}

/** Which pair is between its two steps, so a cancel can finish or undo exactly that one. */
interface InFlight {
  phase: 'idle' | 'bring-up' | 'drain';
  old?: { name: string; port: number };
  fresh?: string;
}

/** Replaces one old instance; returns why the update stops (abort or unhealthy), or undefined when it went on. */
async function replaceOne(
  spec: ServiceSpec,
  input: RollingUpdateInput,
  progress: RollingUpdateProgress,
  old: { name: string; port: number },
  step: InFlight,
  report: Report,
  abortReason: () => string | undefined,
): Promise<string | undefined> {
  if (input.pauseAfter !== undefined && progress.replaced.length === input.pauseAfter) progress.paused = true;
  if (progress.paused) report('paused', `paused after ${progress.replaced.length} of ${progress.total}; signal resume or abort`);
  await condition(() => !progress.paused || abortReason() !== undefined);
  const aborted = abortReason();
  if (aborted !== undefined) return `rolling update to ${input.version} aborted: ${aborted}`;

  const [fresh] = planNewInstances(input.service, await quick.listInstances(input.service), 1, spec.basePort);
  Object.assign(step, { phase: 'bring-up', old, fresh: fresh.name });
  try {
    await bringUpInstance(spec, fresh, input.version, input.healthTimeoutSeconds, report);
  } catch (error) {
    const cause = surfaceApplicationFailure(error);
    if (!(cause instanceof ApplicationFailure) || cause.type !== FailureType.InstanceUnhealthy) throw error;
    step.phase = 'idle';
    return `rolling update to ${input.version} stopped: ${cause.message}`;
  }
  step.phase = 'drain';
  await drainAndRemove(spec, old, input.drainTimeoutSeconds, spec.shutdownGraceSeconds, report);
  progress.replaced.push({ old: old.name, new: fresh.name });
  progress.done.push(fresh.name);
  step.phase = 'idle';
  return undefined;
}

/**
 * After a cancel, the pair in flight: a new instance that came up (or half up) is drained
 * and removed, leaving its old one; an old one whose drain had begun is finished off, and the
 * pair counts as replaced so that the rollback puts its version back.
 */
async function settleInFlight(
  spec: ServiceSpec,
  input: RollingUpdateInput,
  progress: RollingUpdateProgress,
  step: InFlight,
  report: Report,
): Promise<void> {
  if (step.phase === 'idle' || !step.old || !step.fresh) return;
  const listed = await quick.listInstances(input.service);
  const drainIfListed = async (name: string) => {
    const instance = listed.find((i) => i.name === name);
    if (instance) await drainAndRemove(spec, instance, input.drainTimeoutSeconds, spec.shutdownGraceSeconds, report);
  };
  if (step.phase === 'bring-up') return drainIfListed(step.fresh);
  await drainIfListed(step.old.name);
  progress.replaced.push({ old: step.old.name, new: step.fresh });
}

/** Puts the old version back on every replaced instance, newest first. */
async function undoReplacements(
  spec: ServiceSpec,
  input: RollingUpdateInput,
  progress: RollingUpdateProgress,
  oldVersions: Map<string, string>,
  report: Report,
): Promise<void> {
  progress.rollingBack = true;
  progress.paused = false;
  for (const pair of [...progress.replaced].reverse()) {
    const version = oldVersions.get(pair.old) ?? spec.version;
    report('rollback', `rolling ${pair.new} back to ${version}`);
    const [replacement] = planNewInstances(input.service, await quick.listInstances(input.service), 1, spec.basePort);
    // The old version booted before, so it gets the default health timeout rather than the update's.
    await bringUpInstance(spec, replacement, version, Math.max(input.healthTimeoutSeconds, 60), report);
    const current = (await quick.listInstances(input.service)).find((i) => i.name === pair.new);
    if (current) await drainAndRemove(spec, current, input.drainTimeoutSeconds, spec.shutdownGraceSeconds, report);
  }
}

/** Rolls every replaced instance back (a cancel cannot interrupt it), then fails with `why`. */
async function rollBack(
  spec: ServiceSpec,
  input: RollingUpdateInput,
  progress: RollingUpdateProgress,
  oldVersions: Map<string, string>,
  report: Report,
  why: string,
): Promise<never> {
  await CancellationScope.nonCancellable(() => undoReplacements(spec, input, progress, oldVersions, report));
  report('rolled-back', `${why}; rolled back ${progress.replaced.length} instance(s)`);
  throw ApplicationFailure.create({
    type: FailureType.RollingUpdateRolledBack,
    message: `${why}; every replaced instance was rolled back`,
    nonRetryable: true,
  });
}
