// Cancellation for code that runs inside an activity and, at times, outside one (test kits
// and the CLI reuse the drivers). Inside an activity, a wait or a child process ends when
// the activity is cancelled; outside, they behave as plain timers and processes.
import { Context } from '@temporalio/activity';

/** The running activity's cancellation signal, or undefined outside an activity. */
export function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity
  }
}

/** Waits `ms`; rejects with the cancellation when the running activity is cancelled. */
export async function pause(ms: number): Promise<void> {
  const signal = activityCancellation();
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return Context.current().sleep(ms);
}

/** Throws the cancellation if the running activity was cancelled. */
export function throwIfCancelled(): void {
  activityCancellation()?.throwIfAborted();
}

/** Heartbeats `details` when inside an activity (that is also how a cancel reaches it); does nothing outside one. */
export function heartbeatProgress(details: unknown): void {
  if (activityCancellation()) Context.current().heartbeat(details);
}
