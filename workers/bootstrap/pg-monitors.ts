// Starts the PostgreSQL monitor of each cluster, pg-monitor/<cluster>, when the worker
// starts: idempotent (a running monitor is left as it is; the workflow ID is the mutex, so
// two workers never run two monitors), and skipped with PG_MONITOR_ENABLED=false. It first
// deletes the pg-monitor/<cluster> Schedule older versions created (a new pgMonitor
// execution every 2 s), so an upgraded stack stops flooding the UI.
//   node dist/workers/bootstrap/pg-monitors.js
import { type Client, ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { pgMonitorId } from '../../contracts/postgres';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { runScriptWithClient } from '../script-entry';

export interface PgMonitorOptions {
  cluster: string;
  taskQueue: string;
  /** Between two probes; the monitor's own default when absent. */
  probeIntervalMs?: number;
}

export interface PgMonitorOutcome {
  workflowId: string;
  started: boolean;
  legacyScheduleDeleted: boolean;
}

/** Deletes the old Schedule pg-monitor/<cluster> and ends its running action, if there is one. */
export async function deleteLegacyPgMonitorSchedule(client: Client, cluster: string): Promise<boolean> {
  const handle = client.schedule.getHandle(pgMonitorId(cluster));
  try {
    const current = await handle.describe();
    await handle.delete();
    for (const action of current.info.runningActions)
      await client.workflow
        .getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId)
        .terminate('the pg-monitor schedule is replaced by the long-running monitor')
        .catch((error: Error) => {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

export async function ensurePgMonitor(client: Client, options: PgMonitorOptions): Promise<PgMonitorOutcome> {
  const legacyScheduleDeleted = await deleteLegacyPgMonitorSchedule(client, options.cluster);
  const workflowId = pgMonitorId(options.cluster);
  try {
    await client.workflow.start('pgMonitor', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [
        options.probeIntervalMs === undefined
          ? { cluster: options.cluster }
          : { cluster: options.cluster, probeIntervalMs: options.probeIntervalMs },
      ],
      typedSearchAttributes: [
        { key: ServiceKey, value: `postgres/${options.cluster}` },
        { key: OperationKey, value: 'pgMonitor' },
      ],
      staticSummary: `pgMonitor ${options.cluster}`,
    });
    return { workflowId, started: true, legacyScheduleDeleted };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false, legacyScheduleDeleted };
    throw error;
  }
}

export function describePgMonitorOutcome(o: PgMonitorOutcome): string {
  const legacy = o.legacyScheduleDeleted ? '; the old pg-monitor schedule was deleted' : '';
  return `pg monitor ${o.workflowId}: ${o.started ? 'started' : 'already running'}${legacy}`;
}

if (require.main === module) {
  runScriptWithClient(async (client, config) => {
    return [
      describePgMonitorOutcome(
        await ensurePgMonitor(client, {
          cluster: 'main',
          taskQueue: config.taskQueue,
          probeIntervalMs: config.postgres.monitorProbeIntervalMs,
        }),
      ),
    ];
  });
}
