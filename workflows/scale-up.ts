// scaleUp: start instances one at a time, wait until each is healthy, put it behind
// nginx, prove that the load balancer reaches it, then hold the cooldown. The workflow
// ID scale/<service> is the service's mutex, cooldown included.
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { FailureType } from '../policy/failure-types';
import { planNewInstances } from '../policy/instance-plan';
import { scaleMutexId } from '../policy/names';
import { parseScaleUpInput, type ScaleUpInput } from '../policy/scale-input';
import { progressQuery, type OperationProgress } from './definitions';
import { surfaceApplicationFailure } from './failures';
import { OperationKey, ServiceKey } from './search-attributes';

// Quick calls to Docker, nginx and files. Ten attempts over about a minute ride out a
// dockerd or nginx restart; past that a person should look, so the workflow fails.
const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 10 },
});

export interface ScaleUpResult {
  service: string;
  added: string[];
  instances: string[];
  cooldownSeconds: number;
}

function invalidInput(problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidInput,
    message: `invalid scaleUp input: ${problems.join('; ')}`,
    nonRetryable: true,
  });
}

/** Runs the operation under the mutex ID, whatever ID the caller started this run with. */
async function runUnderMutex(input: ScaleUpInput): Promise<ScaleUpResult> {
  const workflowId = scaleMutexId(input.service);
  try {
    return await executeChild(scaleUp, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: ServiceKey, value: input.service },
        { key: OperationKey, value: 'scaleUp' },
      ],
      staticSummary: `scaleUp ${input.service} by ${input.count}`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw ApplicationFailure.create({
        type: FailureType.OperationInProgress,
        message: `another scaling operation for ${input.service} is running as workflow ${workflowId}; wait for it to finish (its cooldown included) or cancel it`,
        nonRetryable: true,
      });
    }
    throw surfaceApplicationFailure(error);
  }
}

export async function scaleUp(rawInput: unknown): Promise<ScaleUpResult> {
  const parsed = parseScaleUpInput(rawInput);
  if (!parsed.ok) throw invalidInput(parsed.problems);
  const input = parsed.value;
  if (workflowInfo().workflowId !== scaleMutexId(input.service)) return runUnderMutex(input);
  try {
    return await scaleUpUnderMutex(input);
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}

async function scaleUpUnderMutex(input: ScaleUpInput): Promise<ScaleUpResult> {
  const progress: OperationProgress = { step: 'starting', detail: '', done: [] };
  setHandler(progressQuery, () => progress);
  const report = (step: string, detail: string) => {
    progress.step = step;
    progress.detail = detail;
    setCurrentDetails(detail);
  };
  upsertSearchAttributes([
    { key: ServiceKey, value: input.service },
    { key: OperationKey, value: 'scaleUp' },
  ]);

  const spec = await quick.describeService(input.service);
  const existing = await quick.listInstances(input.service);
  if (existing.length + input.count > spec.maxInstances) {
    throw ApplicationFailure.create({
      type: FailureType.LimitExceeded,
      message: `${input.service} has ${existing.length} instances; adding ${input.count} would exceed MAX_INSTANCES=${spec.maxInstances}`,
      nonRetryable: true,
    });
  }

  const plan = planNewInstances(input.service, existing, input.count, spec.basePort);
  for (const instance of plan) {
    report('start', `starting ${instance.name} on port ${instance.port}`);
    await quick.ensureInstanceStarted({ service: input.service, name: instance.name, port: instance.port, version: spec.version });

    report('health-wait', `waiting for ${instance.name} to become healthy (up to ${input.healthTimeoutSeconds} s)`);
    await waitHealthyOrRemove(instance.name, `http://127.0.0.1:${instance.port}${spec.healthPath}`, input.healthTimeoutSeconds);

    report('load-balancer', `adding ${instance.name} to the nginx upstream`);
    const upstream = await quick.ensureUpstreamMember(input.service, { name: instance.name, port: instance.port });
    await quick.syncScrapeTargets(input.service, upstream.members);
    await quick.checkServedThroughLoadBalancer({ name: instance.name, url: spec.loadBalancerUrl, deadlineEpochMs: Date.now() + 15_000 });
    progress.done.push(instance.name);
  }

  if (input.cooldownSeconds > 0) {
    report('cooldown', `cooldown: holding the ${input.service} scaling lock for ${input.cooldownSeconds} s`);
    await sleep(input.cooldownSeconds * 1000);
  }
  const after = await quick.listInstances(input.service);
  report('done', `added ${progress.done.join(', ')}`);
  return {
    service: input.service,
    added: [...progress.done],
    instances: after.map((i) => i.name),
    cooldownSeconds: input.cooldownSeconds,
  };
}

async function waitHealthyOrRemove(name: string, url: string, timeoutSeconds: number): Promise<void> {
  // The deadline is fixed here, in workflow time, so a retried activity keeps the same one.
  const deadlineEpochMs = Date.now() + timeoutSeconds * 1000;
  const healthWait = proxyActivities<Activities>({
    startToCloseTimeout: `${timeoutSeconds + 30} seconds`,
    // A heartbeat every poll; a worker that dies is noticed within 5 s and the wait resumes elsewhere.
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 20 },
  });
  try {
    await healthWait.waitForHealthy({ name, url, deadlineEpochMs, pollIntervalMs: 250 });
  } catch (error) {
    await CancellationScope.nonCancellable(() => quick.removeInstance(name));
    throw ApplicationFailure.create({
      type: FailureType.InstanceUnhealthy,
      message: `${name} did not become healthy within ${timeoutSeconds} s and was removed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      nonRetryable: true,
    });
  }
}
