// The operation's own outcome: it completed, or it failed with a clear, typed error (the
// platform checks then show whether it rolled back). Still running past the deadline,
// terminated or timed out counts as broken. Polls describe(), which survives a Temporal
// server restart (the long poll behind result() would not).
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { broken, held, sleep, type InvariantResult } from './types';

export interface WorkflowOutcome {
  status: string;
  result?: unknown;
  failure?: { type: string; message: string };
  /** Describe calls that failed while the server was away. */
  unreachablePolls: number;
}

export async function waitForClose(client: Client, workflowId: string, timeoutMs: number): Promise<WorkflowOutcome> {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + timeoutMs;
  let status = 'UNKNOWN';
  let unreachablePolls = 0;
  while (Date.now() < deadline) {
    const d = await handle.describe().catch(() => undefined);
    if (!d) unreachablePolls += 1;
    status = d?.status.name ?? status;
    if (d && status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') break;
    await sleep(500);
  }
  if (status === 'RUNNING' || status === 'UNKNOWN' || status === 'CONTINUED_AS_NEW')
    return { status: `${status} after ${timeoutMs} ms`, unreachablePolls };
  try {
    return { status, result: await handle.result(), unreachablePolls };
  } catch (error) {
    const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure)
      return { status, failure: { type: cause.type ?? '', message: cause.message }, unreachablePolls };
    return {
      status,
      failure: { type: cause?.name ?? (error as Error).name, message: cause?.message ?? (error as Error).message },
      unreachablePolls,
    };
  }
}

/** Completed, or failed with a typed ApplicationFailure whose message says something. */
export function completedOrFailedClearly(outcome: WorkflowOutcome): InvariantResult {
  const name = 'workflow completed, or failed with a clear error';
  if (outcome.status === 'COMPLETED') return held(name, 'completed');
  if (
    outcome.status === 'FAILED' &&
    outcome.failure &&
    outcome.failure.type &&
    outcome.failure.type !== 'Error' &&
    outcome.failure.message.length > 10
  ) {
    return held(name, `failed with ${outcome.failure.type}: ${outcome.failure.message}`);
  }
  return broken(name, `${outcome.status}${outcome.failure ? `: ${outcome.failure.type}: ${outcome.failure.message}` : ''}`);
}
