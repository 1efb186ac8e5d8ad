// Starts an operation under its mutex ID and follows it with a live progress line fed by
// the workflow's `progress` query. Ctrl-C detaches: the workflow keeps running.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { OperationKey, ServiceKey } from '../contracts/common/search-attributes';
import { CliError, ExitCode } from './errors';
import type { OperationStart } from './operations';
import type { Output } from './output';

interface ProgressLike {
  step?: string;
  detail?: string;
  done?: string[];
  slotsDone?: number;
  slotsTotal?: number;
  keys?: number;
  paused?: boolean;
}

export function progressLine(p: ProgressLike): string {
  const parts = [`[${p.step ?? '?'}]`, p.detail ?? ''];
  if (typeof p.slotsTotal === 'number' && p.slotsTotal > 0) parts.push(`(slots ${p.slotsDone ?? 0}/${p.slotsTotal}, keys ${p.keys ?? 0})`);
  if (p.done?.length) parts.push(`done: ${p.done.join(', ')}`);
  if (p.paused) parts.push('(paused)');
  return parts.filter(Boolean).join(' ');
}

export function cancelHint(workflowId: string): string {
  return `jarvis-scale cancel ${workflowId}   (or: temporal workflow cancel --workflow-id ${workflowId})`;
}

export async function startOperation(
  client: Client,
  taskQueue: string,
  op: OperationStart,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  try {
    return await client.workflow.start(op.workflowType, {
      taskQueue,
      workflowId: op.workflowId,
      args: [op.input],
      typedSearchAttributes: [
        { key: ServiceKey, value: op.service },
        { key: OperationKey, value: op.workflowType },
      ],
      staticSummary: `${op.summary} (jarvis-scale CLI)`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(
        `another operation holds ${op.workflowId} (the mutex of ${op.service}); nothing was started`,
        ExitCode.busy,
        `wait for it (\`jarvis-scale status\`, or \`temporal workflow describe --workflow-id ${op.workflowId}\`), or cancel it: ${cancelHint(op.workflowId)}`,
        { workflowId: op.workflowId },
      );
    }
    throw error;
  }
}

export interface WatchOutcome {
  workflowId: string;
  runId: string;
  /** completed: the workflow returned; cooldown: the work is done and the mutex is held for the cooldown; detached: Ctrl-C. */
  state: 'completed' | 'cooldown' | 'paused' | 'detached';
  result?: unknown;
  progress?: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows the workflow until it completes, reaches its cooldown (the scaling work is done
 * then), or the user presses Ctrl-C. A failed workflow becomes a CliError with exit code 1.
 */
export async function watchOperation(
  handle: WorkflowHandleWithFirstExecutionRunId,
  out: Output,
  options: { pollMs?: number; stopAtCooldown?: boolean } = {},
): Promise<WatchOutcome> {
  const pollMs = options.pollMs ?? 500;
  let detached = false;
  const onSigint = () => {
    detached = true;
  };
  process.on('SIGINT', onSigint);
  const base = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  let settled: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  handle.result().then(
    (value) => (settled = { ok: true, value }),
    (error) => (settled = { ok: false, error }),
  );
  let last: ProgressLike | undefined;
  try {
    // Bounded by the operation itself: it ends, reaches its cooldown, or the user detaches.
    for (;;) {
      if (detached) {
        out.endProgress();
        if (!out.json)
          process.stderr.write(
            `detached; the operation keeps running as workflow ${handle.workflowId}.\ncancel it with: ${cancelHint(handle.workflowId)}\n`,
          );
        return { ...base, state: 'detached', progress: last };
      }
      if (settled) break;
      // The query follows the run under the mutex ID (a started scaleUp may hand over to itself there).
      last = await handle.query<ProgressLike>('progress').catch(() => last);
      if (last) out.progress(progressLine(last));
      if (options.stopAtCooldown !== false && last?.step === 'cooldown') {
        out.endProgress();
        return { ...base, state: 'cooldown', progress: last };
      }
      // A paused rollout waits for a person: hand back the prompt and say how to go on.
      if (last?.step === 'paused') {
        out.endProgress();
        return { ...base, state: 'paused', progress: last };
      }
      await sleep(pollMs);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  out.endProgress();
  if (settled.ok) return { ...base, state: 'completed', result: settled.value, progress: last };
  throw failureToCliError(handle.workflowId, settled.error);
}

export function failureToCliError(workflowId: string, error: unknown): CliError {
  let cause: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  // A child's failure arrives wrapped; the ApplicationFailure inside carries the type and message.
  for (let i = 0; i < 5 && cause && !(cause instanceof ApplicationFailure) && (cause as { cause?: unknown }).cause; i++)
    cause = (cause as { cause?: unknown }).cause;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const message = (cause as Error | undefined)?.message ?? String(error);
  const busy = type === 'OperationInProgress';
  return new CliError(
    `operation ${workflowId} failed${type ? ` (${type})` : ''}: ${message}`,
    busy ? ExitCode.busy : type === 'InvalidInput' ? ExitCode.usage : ExitCode.failed,
    `see its history: temporal workflow show --workflow-id ${workflowId}   (or the Temporal UI)`,
    { workflowId, failureType: type ?? null },
  );
}
