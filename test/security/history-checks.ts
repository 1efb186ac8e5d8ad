// Reads a finished workflow's history, and its children's, to prove a bad input was not
// retried: every activity ran at most once, and the run failed non-retryably.
import type { Client, WorkflowHandle } from '@temporalio/client';

export interface AttemptReport {
  /** Highest attempt of any activity in the workflow or its children (0: none ran). */
  highestAttempt: number;
  activities: string[];
  workflows: string[];
  /** The run's final failure as recorded: type and non-retryable flag. */
  failure?: { type?: string | null; nonRetryable?: boolean | null; message?: string | null };
}

export async function attemptReport(client: Client, handle: WorkflowHandle, depth = 0): Promise<AttemptReport> {
  const events = (await handle.fetchHistory()).events ?? [];
  const report: AttemptReport = { highestAttempt: 0, activities: [], workflows: [handle.workflowId] };
  const names = new Map<string, string>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) names.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      report.highestAttempt = Math.max(report.highestAttempt, started.attempt ?? 1);
      report.activities.push(names.get(String(started.scheduledEventId)) ?? '?');
    }
    const failed = e.workflowExecutionFailedEventAttributes?.failure;
    if (failed)
      report.failure = {
        type: failed.applicationFailureInfo?.type,
        nonRetryable: failed.applicationFailureInfo?.nonRetryable,
        message: failed.message,
      };
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId && depth < 3) {
      const sub = await attemptReport(client, client.workflow.getHandle(child.workflowId, child.runId ?? undefined), depth + 1);
      report.highestAttempt = Math.max(report.highestAttempt, sub.highestAttempt);
      report.activities.push(...sub.activities);
      report.workflows.push(...sub.workflows);
    }
  }
  return report;
}
