// autoscaleCheck: run by the Schedule autoscale/<service>. It reads the instances'
// metrics, asks the pure policy, records the decision with its inputs in its result, and
// starts scaleUp or scaleDown under the service's mutex. A check that fires while an
// operation or its cooldown holds the mutex sees that and skips.
import { ParentClosePolicy, patched, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { decideAutoscale, type AutoscaleDecision, type InstanceSample } from '../../policy/scaling/autoscale';
import { parseAutoscaleCheckInput } from '../../policy/scaling/autoscale-check-input';
import { scaleMutexId, type AutoscaleCheckSummary } from '../../contracts/scaling';
import { quick } from '../common/activity-options';
import { surfaceApplicationFailure } from '../common/failures';
import { scaleDown } from './scale-down';
import { scaleUp } from './scale-up';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { validInput } from '../common/validation';

/** The summary its readers use (contracts/scaling.ts), with the full decision and its inputs. */
export interface AutoscaleCheckResult extends AutoscaleCheckSummary {
  decision: AutoscaleDecision;
  samples: InstanceSample[];
}

// The reads are independent, so they run at once: each sequential activity costs a
// workflow-task round trip (about 100 ms here), and the check is on the path from a load
// step to a new instance. Runs recorded before this change replay the sequential reads.
const PARALLEL_READS_PATCH = 'autoscale-check-parallel-reads';
// The seed's exact thresholds (policy/scaling/thresholds.ts): a metric that *reaches* 80 %
// scales up, one *at* 30 % allows a scale-down, and the tolerance applies on the way down
// too. A run recorded before keeps the strict comparisons, so its replay starts the same child.
const EXACT_THRESHOLDS_PATCH = 'autoscale-exact-thresholds';

async function readInputs(service: string) {
  const parallel = patched(PARALLEL_READS_PATCH);
  if (parallel) {
    const [, autoscale, instances, samples, recent] = await Promise.all([
      quick.describeService(service),
      quick.describeAutoscale(service),
      quick.listInstances(service),
      quick.readInstanceSamples(service),
      quick.loadRecommendations(service),
    ]);
    return { parallel, config: autoscale.config, running: instances.filter((i) => i.running).length, samples, recent };
  }
  await quick.describeService(service);
  const { config } = await quick.describeAutoscale(service);
  const running = (await quick.listInstances(service)).filter((i) => i.running).length;
  const samples = await quick.readInstanceSamples(service);
  const recent = await quick.loadRecommendations(service);
  return { parallel, config, running, samples, recent };
}

export async function autoscaleCheck(rawInput: unknown): Promise<AutoscaleCheckResult> {
  const { service } = validInput('autoscaleCheck', parseAutoscaleCheckInput(rawInput));
  upsertSearchAttributes([
    { key: ServiceKey, value: service },
    { key: OperationKey, value: 'autoscaleCheck' },
  ]);
  try {
    const { parallel, config, running, samples, recent } = await readInputs(service);
    const thresholdRule = patched(EXACT_THRESHOLDS_PATCH) ? 'seed' : 'legacy-strict';
    const decision = decideAutoscale({
      config,
      current: running,
      samples,
      nowMs: Date.now(),
      recentRecommendations: recent,
      thresholdRule,
    });
    const result: AutoscaleCheckResult = { service, decision, samples };
    // Saving the recommendation and starting the operation are independent: run them together.
    const saving = quick.saveRecommendations(service, decision.recommendations);
    saving.catch(() => undefined); // awaited below; this only keeps a failure from going unhandled meanwhile
    if (decision.action === 'none' || !parallel) {
      await saving;
      if (decision.action === 'none') return result;
    }

    const count = Math.abs(decision.desired - decision.current);
    const workflowId = scaleMutexId(service);
    const workflowType = decision.action;
    try {
      const options = {
        workflowId,
        // The operation outlives this check: it holds the mutex through its cooldown.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: ServiceKey, value: service },
          { key: OperationKey, value: workflowType },
        ],
        staticSummary: `${workflowType} ${service} by ${count} (autoscale: ${decision.reason}${decision.metric ? ` on ${decision.metric}` : ''})`,
      };
      const input = { service, count, cooldownSeconds: config.cooldownSeconds };
      const starting =
        workflowType === 'scaleUp'
          ? startChild(scaleUp, { ...options, args: [input] })
          : startChild(scaleDown, { ...options, args: [input] });
      await Promise.all([starting, saving]);
      return { ...result, started: { workflowId, workflowType, count } };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        await saving;
        return { ...result, skipped: `a scaling operation or its cooldown holds ${workflowId}` };
      }
      throw error;
    }
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}
