// scaleUp: start instances one at a time, wait until each is healthy, put it behind
// nginx, prove that the load balancer reaches it, then hold the cooldown. The workflow
// ID scale/<service> is the service's mutex, cooldown included.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { checkAdd, countInstances } from '../../policy/scaling/bounds';
import { planNewInstances } from '../../policy/scaling/instance-plan';
import { parseScaleUpInput, type ScaleUpInput } from '../../policy/scaling/scale-input';
import { quick } from '../common/activity-options';
import { bringUpInstance } from './instance-steps';
import { holdCooldown } from './cooldown';
import { underServiceMutex } from './service-mutex';
import { trackProgress } from '../common/progress';
import { validInput } from '../common/validation';

export interface ScaleUpResult {
  service: string;
  added: string[];
  instances: string[];
  cooldownSeconds: number;
}

export async function scaleUp(rawInput: unknown): Promise<ScaleUpResult> {
  const input = validInput('scaleUp', parseScaleUpInput(rawInput));
  return underServiceMutex(scaleUp, input, 'scaleUp', `scaleUp ${input.service} by ${input.count}`, () => scaleUpUnderMutex(input));
}

async function scaleUpUnderMutex(input: ScaleUpInput): Promise<ScaleUpResult> {
  const { progress, report } = trackProgress();

  // Both reads at once saves a workflow-task round trip on the way to a new instance;
  // runs recorded before this change replay the sequential reads.
  const [spec, existing] = patched('scale-up-parallel-reads')
    ? await Promise.all([quick.describeService(input.service), quick.listInstances(input.service)])
    : [await quick.describeService(input.service), await quick.listInstances(input.service)];
  // The one bounds rule (policy/scaling/bounds.ts): every listed instance counts toward the maximum.
  const bounds = checkAdd(input.service, countInstances(existing), input.count, { min: spec.minInstances, max: spec.maxInstances });
  if (!bounds.ok) throw ApplicationFailure.create({ type: FailureType.LimitExceeded, message: bounds.message, nonRetryable: true });

  for (const instance of planNewInstances(input.service, existing, input.count, spec.basePort)) {
    await bringUpInstance(spec, instance, spec.version, input.healthTimeoutSeconds, report);
    progress.done.push(instance.name);
  }

  await holdCooldown(input.service, input.cooldownSeconds, report);
  const after = await quick.listInstances(input.service);
  report('done', `added ${progress.done.join(', ')}`);
  return { service: input.service, added: [...progress.done], instances: after.map((i) => i.name), cooldownSeconds: input.cooldownSeconds };
}
