// scaleDown and drainInstance: take instances out of service without failing a request.
// Both run under the service's mutex scale/<service>, cooldown included.
import { ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { FailureType } from '../../contracts/common/failure-types';
import { scaleMutexId } from '../../contracts/scaling';
import {
  parseDrainInstanceInput,
  parseScaleDownInput,
  type DrainInstanceInput,
  type ScaleDownInput,
} from '../../policy/scaling/scale-down-input';
import { checkRemove, countInstances } from '../../policy/scaling/bounds';
import { chooseVictims } from '../../policy/scaling/victims';
import { quick } from '../common/activity-options';
import { drainAndRemove, type DrainOutcome } from './instance-steps';
import { holdCooldown } from './cooldown';
import { underMutex } from '../common/mutex';
import { underServiceMutex } from './service-mutex';
import { trackProgress } from '../common/progress';
import { validInput } from '../common/validation';

export interface ScaleDownResult {
  service: string;
  removed: string[];
  drains: DrainOutcome[];
  instances: string[];
  cooldownSeconds: number;
}

type ServiceSpec = Awaited<ReturnType<Activities['describeService']>>;
type InstanceInfo = Awaited<ReturnType<Activities['listInstances']>>[number];

/** The one bounds rule (policy/scaling/bounds.ts): only running instances count toward the minimum. */
function refuseBelowMinimum(service: string, instances: InstanceInfo[], count: number, spec: ServiceSpec): void {
  const check = checkRemove(service, countInstances(instances), count, { min: spec.minInstances, max: spec.maxInstances });
  if (!check.ok) throw ApplicationFailure.create({ type: FailureType.LimitExceeded, message: check.message, nonRetryable: true });
}

export async function scaleDown(rawInput: unknown): Promise<ScaleDownResult> {
  const input = validInput('scaleDown', parseScaleDownInput(rawInput));
  return underServiceMutex(scaleDown, input, 'scaleDown', `scaleDown ${input.service} by ${input.count}`, () => scaleDownUnderMutex(input));
}

async function scaleDownUnderMutex(input: ScaleDownInput): Promise<ScaleDownResult> {
  const { progress, report } = trackProgress();
  const spec = await quick.describeService(input.service);
  const instances = await quick.listInstances(input.service);
  refuseBelowMinimum(input.service, instances, input.count, spec);

  const drains: DrainOutcome[] = [];
  for (const victim of chooseVictims(
    input.service,
    instances.filter((i) => i.running),
    input.count,
    input.victim,
  )) {
    drains.push(await drainAndRemove(spec, victim, input.drainTimeoutSeconds, spec.shutdownGraceSeconds, report));
    progress.done.push(victim.name);
  }
  await holdCooldown(input.service, input.cooldownSeconds, report);
  const after = await quick.listInstances(input.service);
  report('done', `removed ${progress.done.join(', ')}`);
  return {
    service: input.service,
    removed: [...progress.done],
    drains,
    instances: after.map((i) => i.name),
    cooldownSeconds: input.cooldownSeconds,
  };
}

export async function drainInstance(rawInput: unknown): Promise<ScaleDownResult> {
  const input = validInput('drainInstance', parseDrainInstanceInput(rawInput));
  const { service: _service, ...request } = input;
  const labels = { service: input.service, operation: 'drainInstance', summary: `drain ${input.instance}` };
  return underMutex(drainInstance, scaleMutexId(input.service), request, labels, () => drainUnderMutex(input));
}

async function drainUnderMutex(input: DrainInstanceInput): Promise<ScaleDownResult> {
  const { progress, report } = trackProgress();
  const spec = await quick.describeService(input.service);
  const instances = await quick.listInstances(input.service);
  const target = instances.find((i) => i.name === input.instance);
  if (!target) {
    throw ApplicationFailure.create({
      type: FailureType.UnknownInstance,
      message: `no instance named ${input.instance}; ${input.service} has: ${instances.map((i) => i.name).join(', ') || 'none'}`,
      nonRetryable: true,
    });
  }
  refuseBelowMinimum(input.service, instances, target.running ? 1 : 0, spec);

  const drain = await drainAndRemove(spec, target, input.drainTimeoutSeconds, spec.shutdownGraceSeconds, report);
  progress.done.push(target.name);
  await holdCooldown(input.service, input.cooldownSeconds, report);
  const after = await quick.listInstances(input.service);
  report('done', `drained and removed ${target.name}`);
  return {
    service: input.service,
    removed: [target.name],
    drains: [drain],
    instances: after.map((i) => i.name),
    cooldownSeconds: input.cooldownSeconds,
  };
}
