// The Temporal Schedule pg-monitor/<cluster>: runs pgMonitor every few seconds with
// overlap SKIP (a run still watching a suspect primary is never doubled). Created or
// brought up to date idempotently by the worker at start, or by hand:
//   node dist/workers/bootstrap/pg-monitor-schedule.js [--delete]
import { Client, Connection, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { readWorkerConfig, type WorkerConfig } from '../../config/worker-config';
import type { PgMonitorInput } from '../../policy/postgres/pg-input';

export const pgMonitorScheduleId = (cluster: string) => `pg-monitor/${cluster}`;

export interface PgMonitorScheduleOptions {
  cluster: string;
  taskQueue: string;
  intervalSeconds: number;
  /** Overrides of pgMonitor's input (detection window, probe interval...). */
  monitorInput?: Partial<PgMonitorInput>;
}

/** Creates the schedule, or updates it when its task queue, interval or input differ. Returns what it did. */
export async function ensurePgMonitorSchedule(
  client: Client,
  options: PgMonitorScheduleOptions,
): Promise<'created' | 'updated' | 'unchanged'> {
  const scheduleId = pgMonitorScheduleId(options.cluster);
  const args = [{ cluster: options.cluster, ...options.monitorInput }];
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'pgMonitor',
    workflowId: `pg-monitor-run/${options.cluster}`,
    taskQueue: options.taskQueue,
    args,
    // A run lasts at most maxRunMs (30 s); one stuck on a task queue nobody serves must not
    // hold the SKIP overlap for long.
    workflowExecutionTimeout: '2 minutes' as const,
  };
  const spec = { intervals: [{ every: options.intervalSeconds * 1000 }] };
  const handle = client.schedule.getHandle(scheduleId);
  try {
    const current = await handle.describe();
    const currentAction = current.action as { taskQueue?: string; args?: unknown[] };
    const currentEvery = current.spec.intervals?.[0]?.every;
    const same =
      currentAction.taskQueue === options.taskQueue &&
      JSON.stringify(currentAction.args) === JSON.stringify(args) &&
      Number(currentEvery) === options.intervalSeconds * 1000 &&
      current.policies.overlap === ScheduleOverlapPolicy.SKIP;
    if (same) return 'unchanged';
    await terminateRunning(client, current.info.runningActions, 'pg-monitor schedule updated');
    await handle.update((previous) => ({
      ...previous,
      spec,
      action,
      policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
    }));
    return 'updated';
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 seconds' },
    });
  } catch (error) {
    // Another worker created it meanwhile.
    if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
  }
  return 'created';
}

/** Runs of the old configuration (e.g. on a task queue no worker serves any more) would block SKIP. */
async function terminateRunning(
  client: Client,
  running: Array<{ workflow: { workflowId: string; runId?: string } }>,
  reason: string,
): Promise<void> {
  for (const action of running) {
    await client.workflow
      .getHandle(action.workflow.workflowId, action.workflow.runId)
      .terminate(reason)
      .catch(() => undefined);
  }
}

export async function deletePgMonitorSchedule(client: Client, cluster: string): Promise<boolean> {
  try {
    const handle = client.schedule.getHandle(pgMonitorScheduleId(cluster));
    const current = await handle.describe();
    await handle.delete();
    await terminateRunning(client, current.info.runningActions, 'pg-monitor schedule deleted');
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/** What the worker calls at start (config.postgres.monitorSchedule). */
export async function bootstrapPgMonitorSchedule(config: WorkerConfig): Promise<string> {
  const connection = await Connection.connect({ address: config.temporalAddress });
  try {
    const client = new Client({ connection, namespace: config.namespace });
    const what = await ensurePgMonitorSchedule(client, {
      cluster: 'main',
      taskQueue: config.taskQueue,
      intervalSeconds: config.postgres.monitorIntervalSeconds,
    });
    return `schedule ${pgMonitorScheduleId('main')} ${what} (every ${config.postgres.monitorIntervalSeconds} s, task queue ${config.taskQueue})`;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  const config = readWorkerConfig(process.env);
  const run = async () => {
    if (process.argv.includes('--delete')) {
      const connection = await Connection.connect({ address: config.temporalAddress });
      const deleted = await deletePgMonitorSchedule(new Client({ connection, namespace: config.namespace }), 'main');
      await connection.close();
      return deleted ? `schedule ${pgMonitorScheduleId('main')} deleted` : `schedule ${pgMonitorScheduleId('main')} did not exist`;
    }
    return bootstrapPgMonitorSchedule(config);
  };
  run().then(
    (line) => process.stdout.write(`${line}\n`),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
