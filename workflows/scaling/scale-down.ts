// scaleDown and drainInstance: take instances out of service without failing a request.
// Both run under the service's mutex scale/<service>, cooldown included.
import { ApplicationFailure, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { scaleMutexId } from '../../contracts/scaling';
import {
  parseDrainInstanceInput,
  parseScaleDownInput,
  type DrainInstanceInput,
  type ScaleDownInput,
} from '../../policy/scaling/scale-down-input';
import { chooseVictims } from '../../policy/scaling/victims';
import { quick } from '../common/activity-options';
import { surfaceApplicationFailure } from '../common/failures';
import { drainAndRemove, type DrainOutcome, type Report } from './instance-steps';
import { holdsMutex, runUnderMutex } from '../common/mutex';
import { trackProgress } from '../common/progress';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { invalidInput } from '../common/validation';

export interface ScaleDownResult {
  service: string;
  removed: string[];
  drains: DrainOutcome[];
  instances: string[];
  cooldownSeconds: number;
}

function label(service: string, operation: string): void {
  upsertSearchAttributes([
    { key: ServiceKey, value: service },
    { key: OperationKey, value: operation },
  ]);
}

function belowMinimum(service: string, running: number, removing: number, min: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.LimitExceeded,
    message: `${service} has ${running} running instances; removing ${removing} would go below MIN_INSTANCES=${min} (scale up first to replace an instance)`,
    nonRetryable: true,
  });
}

async function holdCooldown(service: string, seconds: number, report: Report): Promise<void> {
  if (seconds <= 0) return;
  report('cooldown', `cooldown: holding the ${service} scaling lock for ${seconds} s`);
  await sleep(seconds * 1000);
}

export async function scaleDown(rawInput: unknown): Promise<ScaleDownResult> {
  const parsed = parseScaleDownInput(rawInput);
  if (!parsed.ok) throw invalidInput('scaleDown', parsed.problems);
  const input = parsed.value;
  const mutexId = scaleMutexId(input.service);
  if (!holdsMutex(mutexId)) {
    return runUnderMutex(scaleDown, mutexId, input, {
      service: input.service,
      operation: 'scaleDown',
      summary: `scaleDown ${input.service} by ${input.count}`,
    });
  }
  try {
    return await scaleDownUnderMutex(input);
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}

async function scaleDownUnderMutex(input: ScaleDownInput): Promise<ScaleDownResult> {
  const { progress, report } = trackProgress();
  label(input.service, 'scaleDown');
  const spec = await quick.describeService(input.service);
  const running = (await quick.listInstances(input.service)).filter((i) => i.running);
  if (running.length - input.count < spec.minInstances) throw belowMinimum(input.service, running.length, input.count, spec.minInstances);

  const drains: DrainOutcome[] = [];
  for (const victim of chooseVictims(input.service, running, input.count, input.victim)) {
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
  const parsed = parseDrainInstanceInput(rawInput);
  if (!parsed.ok) throw invalidInput('drainInstance', parsed.problems);
  const input = parsed.value;
  const mutexId = scaleMutexId(input.service);
  if (!holdsMutex(mutexId)) {
    const { service: _service, ...request } = input;
    return runUnderMutex(drainInstance, mutexId, request, {
      service: input.service,
      operation: 'drainInstance',
      summary: `drain ${input.instance}`,
    });
  }
  try {
    return await drainUnderMutex(input);
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}

async function drainUnderMutex(input: DrainInstanceInput): Promise<ScaleDownResult> {
  const { progress, report } = trackProgress();
  label(input.service, 'drainInstance');
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
  const running = instances.filter((i) => i.running);
  if (target.running && running.length - 1 < spec.minInstances) throw belowMinimum(input.service, running.length, 1, spec.minInstances);

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
