// The long-running monitor pg-monitor/main as tests and benches run it: on their own task
// queue, with their own detection settings. The workflow ID is the mutex, so a monitor
// left on another task queue (the stack's worker, an earlier test) is ended first.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pgMonitorId } from '../contracts/postgres';

/** Ends pg-monitor/<cluster> if it runs. True when one was running. */
export async function stopPgMonitor(client: Client, cluster = 'main'): Promise<boolean> {
  try {
    await client.workflow.getHandle(pgMonitorId(cluster)).terminate('pg-monitor stopped by a test or bench');
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Starts a fresh pg-monitor/main on `taskQueue` (a worker must serve it) with `input` over pgMonitor's defaults. */
export async function runPgMonitorOn(client: Client, taskQueue: string, input: Record<string, unknown> = {}): Promise<void> {
  await stopPgMonitor(client);
  await client.workflow.start('pgMonitor', { taskQueue, workflowId: pgMonitorId('main'), args: [{ cluster: 'main', ...input }] });
}
