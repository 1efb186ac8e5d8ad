// autoscaleCheck: run by the Schedule autoscale/<service>. It reads the instances'
// metrics, asks the pure policy, records the decision with its inputs in its result, and
// starts scaleUp or scaleDown under the service's mutex. A check that fires while an
// operation or its cooldown holds the mutex sees that and skips.
import { ParentClosePolicy, patched, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { decideAutoscale, type AutoscaleDecision, type InstanceSample } from '../policy/autoscale';
import { parseAutoscaleCheckInput } from '../policy/autoscale-check-input';
import { scaleMutexId } from '../policy/names';
import { quick } from './activity-options';
import { surfaceApplicationFailure } from './failures';
import { scaleDown } from './scale-down';
import { scaleUp } from './scale-up';
import { OperationKey, ServiceKey } from './search-attributes';
import { invalidInput } from './validation';

/**
 * Patch (README "Changing a workflow safely"): describeAutoscale refuses an unknown service
 * itself, so a check no longer spends an activity on describeService first — one activity
 * fewer every CHECK_INTERVAL for every service. Checks recorded before the change (their
 * history starts with describeService) replay through the old branch. Next steps, once no
 * such run can be replayed any more: deprecatePatch(AUTOSCALE_CHECK_ONE_DESCRIBE), then remove it.
 */
export const AUTOSCALE_CHECK_ONE_DESCRIBE = 'autoscale-check-one-describe';

export interface AutoscaleCheckResult {
  service: string;
  decision: AutoscaleDecision;
  samples: InstanceSample[];
  started?: { workflowId: string; workflowType: 'scaleUp' | 'scaleDown'; count: number };
  skipped?: string;
}

export async function autoscaleCheck(rawInput: unknown): Promise<AutoscaleCheckResult> {
  const parsed = parseAutoscaleCheckInput(rawInput);
  if (!parsed.ok) throw invalidInput('autoscaleCheck', parsed.problems);
  const { service } = parsed.value;
  upsertSearchAttributes([
    { key: ServiceKey, value: service },
    { key: OperationKey, value: 'autoscaleCheck' },
  ]);
  try {
    if (!patched(AUTOSCALE_CHECK_ONE_DESCRIBE)) await quick.describeService(service);
    const { config } = await quick.describeAutoscale(service);
    const running = (await quick.listInstances(service)).filter((i) => i.running).length;
    const samples = await quick.readInstanceSamples(service);
    const recent = await quick.loadRecommendations(service);
    const decision = decideAutoscale({ config, current: running, samples, nowMs: Date.now(), recentRecommendations: recent });
    await quick.saveRecommendations(service, decision.recommendations);
    const result: AutoscaleCheckResult = { service, decision, samples };
    if (decision.action === 'none') return result;

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
      if (workflowType === 'scaleUp') await startChild(scaleUp, { ...options, args: [input] });
      else await startChild(scaleDown, { ...options, args: [input] });
      return { ...result, started: { workflowId, workflowType, count } };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return { ...result, skipped: `a scaling operation or its cooldown holds ${workflowId}` };
      }
      throw error;
    }
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}
