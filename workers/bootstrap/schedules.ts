// The autoscale Schedules: one per service, autoscale/<service>, created or brought up to
// date idempotently when the worker starts (or by `node dist/workers/bootstrap/schedules.js`).
// Overlap SKIP: a check never queues behind a slow one. AUTOSCALE_ENABLED=false pauses them.
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { WorkerConfig } from '../../config/worker-config';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { autoscaleCheckWorkflowId, autoscaleScheduleId } from '../../contracts/scaling';
import { runScriptWithClient } from '../script-entry';

export interface ScheduleOutcome {
  scheduleId: string;
  created: boolean;
  paused: boolean;
}

export async function ensureAutoscaleSchedule(client: Client, config: WorkerConfig, service: string): Promise<ScheduleOutcome> {
  const scheduleId = autoscaleScheduleId(service);
  const action: ScheduleOptionsStartWorkflowAction<(input: { service: string }) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: 'autoscaleCheck',
    taskQueue: config.taskQueue,
    workflowId: autoscaleCheckWorkflowId(service),
    args: [{ service }],
    typedSearchAttributes: [
      { key: ServiceKey, value: service },
      { key: OperationKey, value: 'autoscaleCheck' },
    ],
    workflowExecutionTimeout: Math.max(60, config.autoscale.checkIntervalSeconds * 2) * 1000,
  };
  const spec = { intervals: [{ every: Math.round(config.autoscale.checkIntervalSeconds * 1000) }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };
  const paused = !config.autoscaleEnabled;
  const note = paused ? 'paused: AUTOSCALE_ENABLED=false' : 'running: AUTOSCALE_ENABLED=true';
  let created = true;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused, note } });
  } catch (error) {
    // Two workers starting at once (one per host) race to create it: the loser's create may
    // fail with another error than AlreadyRunning, yet the schedule is there. Read it back.
    if (!(error instanceof ScheduleAlreadyRunning) && !(await scheduleExists(client, scheduleId))) throw error;
    created = false;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    const description = await handle.describe();
    if (description.state.paused !== paused) await (paused ? handle.pause(note) : handle.unpause(note));
  }
  return { scheduleId, created, paused };
}

async function scheduleExists(client: Client, scheduleId: string): Promise<boolean> {
  return client.schedule
    .getHandle(scheduleId)
    .describe()
    .then(
      () => true,
      () => false,
    );
}

export async function ensureAutoscaleSchedules(client: Client, config: WorkerConfig): Promise<ScheduleOutcome[]> {
  const outcomes: ScheduleOutcome[] = [];
  for (const service of config.services) outcomes.push(await ensureAutoscaleSchedule(client, config, service));
  return outcomes;
}

if (require.main === module) {
  runScriptWithClient(async (client, config) =>
    (await ensureAutoscaleSchedules(client, config)).map(
      (o) => `${o.scheduleId}: ${o.created ? 'created' : 'updated'}, ${o.paused ? 'paused' : 'running'}`,
    ),
  );
}
