// The jarvis-scale operation commands: each validates with the policy schemas, starts the
// workflow under its mutex ID and follows it; rollout signals and cancel act on a running one.
// main.ts wires them (and status-command, history-commands, autoscale-command) to commander.
import { scaleMutexId } from '../contracts/scaling';
import type { Session } from './connect';
import { CliError, ExitCode } from './errors';
import * as ops from './operations';
import type { Output } from './output';
import { knownService, withSession, type GlobalOptions } from './session';
import { startOperation, watchOperation, cancelHint, type WatchOutcome } from './watch';

/** Starts the operation, follows it unless --no-wait, and prints the outcome. */
async function runOperation(session: Session, g: GlobalOptions, out: Output, op: ops.OperationStart): Promise<void> {
  const taskQueue = g.taskQueue ?? session.config.taskQueue;
  const handle = await startOperation(session.client, taskQueue, op);
  out.line(`started ${op.workflowType} as workflow ${handle.workflowId} (task queue ${taskQueue})`);
  if (!g.wait) {
    out.result(
      {
        ok: true,
        state: 'started',
        workflowId: handle.workflowId,
        runId: handle.firstExecutionRunId,
        workflowType: op.workflowType,
        input: op.input,
      },
      () =>
        `follow it with: jarvis-scale status, or temporal workflow query --workflow-id ${handle.workflowId} --type progress\ncancel it with: ${cancelHint(handle.workflowId)}`,
    );
    return;
  }
  const outcome: WatchOutcome = await watchOperation(handle, out);
  out.result({ ok: true, workflowType: op.workflowType, input: op.input, ...outcome }, () => {
    if (outcome.state === 'detached') return `still running: ${handle.workflowId}`;
    if (outcome.state === 'paused')
      return `paused: ${handle.workflowId} waits; go on with \`jarvis-scale rollout resume ${op.service}\` or roll back with \`jarvis-scale rollout abort ${op.service}\``;
    if (outcome.state === 'cooldown')
      return `done; ${handle.workflowId} now holds the ${op.service} scaling lock through its cooldown (cancel it to end the cooldown early: ${cancelHint(handle.workflowId)})`;
    return `done: ${JSON.stringify(outcome.result)}`;
  });
}

/** `scale --to N` starts scaleTo: it counts, checks the bounds and decides inside the scale/<service> mutex. */
export async function scaleCommand(
  g: GlobalOptions,
  out: Output,
  service: string,
  to: number,
  o: { cooldown?: number; drainTimeout?: number },
): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const op = ops.scaleToStart(service, to, { cooldownSeconds: o.cooldown, drainTimeoutSeconds: o.drainTimeout });
    await runOperation(session, g, out, op);
  });
}

export async function simpleOperation(
  g: GlobalOptions,
  out: Output,
  build: (session: Session) => Promise<ops.OperationStart> | ops.OperationStart,
): Promise<void> {
  // Validation that needs no server runs before connecting, so bad input never waits on Temporal.
  await withSession(async (session) => runOperation(session, g, out, await build(session)));
}

export async function rolloutSignal(
  _g: GlobalOptions,
  out: Output,
  action: 'pause' | 'resume' | 'abort',
  service: string,
  reason?: string,
): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const workflowId = scaleMutexId(service);
    const handle = session.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch {
      description = undefined;
    }
    if (!description || description.status.name !== 'RUNNING' || description.type !== 'rollingUpdate') {
      throw new CliError(
        `no rolling update of ${service} is running (${workflowId} is ${description ? `${description.type}, ${description.status.name}` : 'not found'})`,
        ExitCode.failed,
        `start one with: jarvis-scale rollout ${service} --version V`,
      );
    }
    if (action === 'abort') await handle.signal('abort', reason ?? 'aborted from jarvis-scale');
    else await handle.signal(action);
    out.result({ ok: true, signal: action, workflowId }, () => `sent ${action} to ${workflowId}`);
  });
}

export async function cancelCommand(_g: GlobalOptions, out: Output, workflowId: string): Promise<void> {
  await withSession(async (session) => {
    const handle = session.client.workflow.getHandle(workflowId);
    try {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING')
        throw new CliError(`${workflowId} is not running (${d.status.name})`, ExitCode.failed, 'list what runs with: jarvis-scale status');
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`no workflow ${workflowId}`, ExitCode.usage, 'list what runs with: jarvis-scale status');
    }
    await handle.cancel();
    out.result({ ok: true, cancelled: workflowId }, () => `cancellation requested for ${workflowId}; it undoes what it must and stops`);
  });
}
