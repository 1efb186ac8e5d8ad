// The scaling steps many tests and the history recorder take: a scaleUp run to its end
// under the service's mutex ID with no cooldown, and a worker run on a platform reset
// before and after (no instance, a plain upstream).
import type { Client } from '@temporalio/client';
import { autoscaleScheduleId, scaleMutexId } from '../contracts/scaling';
import { resetPlatform, SERVICE } from './platform';
import { withWorker } from './workers';

/** Adds `count` instances through scaleUp (a worker must serve `taskQueue`) and waits for it to finish. */
export async function scaleUpNow(client: Client, taskQueue: string, count: number): Promise<void> {
  await client.workflow.execute('scaleUp', {
    taskQueue,
    workflowId: scaleMutexId(SERVICE),
    args: [{ service: SERVICE, count, cooldownSeconds: 0 }],
  });
}

/** Starts `workflowType` with `input` under the service's mutex ID (a worker must serve `taskQueue`); returns its handle. */
export function startUnderScaleMutex(client: Client, taskQueue: string, workflowType: string, input: Record<string, unknown>) {
  return client.workflow.start(workflowType, { taskQueue, workflowId: scaleMutexId(SERVICE), args: [input] });
}

/** Runs fn while a worker (`env` on top of the test settings) serves `taskQueue`, on a platform reset before and after. */
export async function onFreshPlatform(
  client: Client,
  taskQueue: string,
  env: Record<string, string>,
  fn: () => Promise<void>,
): Promise<void> {
  await resetPlatform(client);
  await withWorker(taskQueue, fn, env);
  await resetPlatform(client);
}

/** Deletes the service's autoscale Schedule if a test made one (a session's clean-up). */
export async function deleteAutoscaleSchedule(client: Client): Promise<void> {
  await client.schedule
    .getHandle(autoscaleScheduleId(SERVICE))
    .delete()
    .catch(() => undefined);
}
