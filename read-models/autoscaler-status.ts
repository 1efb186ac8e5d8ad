// The autoscale Schedule's state and the decisions of its last checks, read from Temporal:
// the Schedule's description and the results of recent autoscaleCheck runs.
import type { Client } from '@temporalio/client';
import { autoscaleScheduleId, type AutoscaleCheckSummary } from '../contracts/scaling';

export interface AutoscalerStatus {
  service: string;
  scheduleId: string;
  exists: boolean;
  paused: boolean | null;
  note: string | null;
  nextRuns: string[];
  lastChecks: Array<{
    workflowId: string;
    runId: string;
    startedAt: string;
    status: string;
    action?: string;
    current?: number;
    desired?: number;
    reason?: string;
    metric?: string;
    started?: AutoscaleCheckSummary['started'];
    skipped?: string;
    error?: string;
  }>;
}

export async function autoscalerStatus(client: Client, service: string, lastChecks = 5): Promise<AutoscalerStatus> {
  const scheduleId = autoscaleScheduleId(service);
  const status: AutoscalerStatus = { service, scheduleId, exists: false, paused: null, note: null, nextRuns: [], lastChecks: [] };
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    status.exists = true;
    status.paused = d.state.paused;
    status.note = d.state.note ?? null;
    status.nextRuns = d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
  } catch (error) {
    if ((error as Error).name !== 'ScheduleNotFoundError') throw error;
  }
  const query = `WorkflowType = "autoscaleCheck" AND Service = ${JSON.stringify(service)}`;
  for await (const info of client.workflow.list({ query })) {
    if (status.lastChecks.length >= lastChecks) break;
    const entry: AutoscalerStatus['lastChecks'][number] = {
      workflowId: info.workflowId,
      runId: info.runId,
      startedAt: info.startTime.toISOString(),
      status: info.status.name,
    };
    if (info.status.name === 'COMPLETED') {
      try {
        const result = (await client.workflow.getHandle(info.workflowId, info.runId).result()) as AutoscaleCheckSummary;
        Object.assign(entry, {
          action: result.decision.action,
          current: result.decision.current,
          desired: result.decision.desired,
          reason: result.decision.reason,
          metric: result.decision.metric,
          started: result.started,
          skipped: result.skipped,
        });
      } catch (error) {
        entry.error = (error as Error).message;
      }
    }
    status.lastChecks.push(entry);
  }
  return status;
}
