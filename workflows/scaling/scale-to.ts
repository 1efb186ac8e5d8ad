// scaleTo: bring a service to N running instances (`jarvis-scale scale --to N`). It holds the
// service's mutex scale/<service> before it counts, so the count it decides from cannot change
// under it; the decision (policy/scaling/bounds.ts, decideScaleTo) is made here, not in the CLI.
// To act it continues as new into scaleUp or scaleDown under the same workflow ID: the mutex is
// never let go in between, the very same code paths run (they check the same bounds rule
// again), and history and stats see a scaleUp or scaleDown as before. A refusal fails with
// LimitExceeded having changed nothing; a service already at N completes with nothing done.
import { ApplicationFailure, makeContinueAsNewFunc } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { countInstances, decideScaleTo, type ScaleToDecision } from '../../policy/scaling/bounds';
import { parseScaleToInput, type ScaleToInput } from '../../policy/scaling/scale-to-input';
import { quick } from '../common/activity-options';
import { underServiceMutex } from './service-mutex';
import { trackProgress } from '../common/progress';
import { validInput } from '../common/validation';
import type { scaleDown } from './scale-down';
import type { scaleUp } from './scale-up';

export interface ScaleToResult {
  service: string;
  from: number;
  to: number;
  decision: ScaleToDecision['code'];
  instances: string[];
}

export async function scaleTo(rawInput: unknown): Promise<ScaleToResult> {
  const input = validInput('scaleTo', parseScaleToInput(rawInput));
  return underServiceMutex(scaleTo, input, 'scaleTo', `scaleTo ${input.service} ${input.to}`, () => scaleToUnderMutex(input));
}

async function scaleToUnderMutex(input: ScaleToInput): Promise<ScaleToResult> {
  const { report } = trackProgress();
  const [spec, instances] = await Promise.all([quick.describeService(input.service), quick.listInstances(input.service)]);
  const decision = decideScaleTo(input.service, countInstances(instances), input.to, { min: spec.minInstances, max: spec.maxInstances });
  if (decision.action === 'refuse') {
    throw ApplicationFailure.create({ type: FailureType.LimitExceeded, message: decision.message, nonRetryable: true });
  }
  if (decision.action === 'none') {
    report('done', `${input.service} already runs ${input.to} instance(s); nothing to do`);
    return {
      service: input.service,
      from: decision.current,
      to: input.to,
      decision: decision.code,
      instances: instances.map((i) => i.name),
    };
  }
  const { service, count } = { service: input.service, count: decision.count };
  report('plan', `${service}: ${decision.current} → ${input.to} running instance(s), by ${decision.action} ${count}`);
  if (decision.action === 'scaleUp') {
    const { healthTimeoutSeconds, cooldownSeconds } = input;
    return makeContinueAsNewFunc<typeof scaleUp>({ workflowType: 'scaleUp' })({ service, count, healthTimeoutSeconds, cooldownSeconds });
  }
  const { drainTimeoutSeconds, cooldownSeconds } = input;
  return makeContinueAsNewFunc<typeof scaleDown>({ workflowType: 'scaleDown' })({ service, count, drainTimeoutSeconds, cooldownSeconds });
}
