// What a started workflow was given: its type, task queue and input, read from its first history event.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export async function startedWith(client: Client, workflowId: string): Promise<{ type: string; taskQueue: string; input: unknown }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${workflowId} has no started event`);
  const payload = started.input?.payloads?.[0];
  return {
    type: started.workflowType?.name ?? '',
    taskQueue: started.taskQueue?.name ?? '',
    input: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
  };
}

/** Terminates a workflow the test started, if it still runs. */
export async function terminateIfRunning(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe().catch(() => undefined);
  if (d?.status.name === 'RUNNING') await handle.terminate('test clean-up');
}
