import type { WorkflowHandle } from '@temporalio/client';

/** The highest attempt number at which an activity of this type was started. */
export async function highestActivityAttempt(handle: WorkflowHandle, activityType: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduledIds = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)),
  );
  let highest = 0;
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduledIds.has(String(started.scheduledEventId))) highest = Math.max(highest, started.attempt ?? 1);
  }
  return highest;
}

/** Polls the server (no worker needed) until the workflow has a pending activity of this type that has started. */
export async function waitForPendingActivity(handle: WorkflowHandle, activityType: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const description = await handle.describe();
    const pending = description.raw.pendingActivities ?? [];
    if (pending.some((a) => a.activityType?.name === activityType && a.lastStartedTime)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no started ${activityType} activity within ${timeoutMs} ms`);
}

/** Polls the history (no worker needed) until the workflow has started a timer, such as its cooldown. */
export async function waitForTimerStarted(handle: WorkflowHandle, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const events = (await handle.fetchHistory()).events ?? [];
    if (events.some((e) => e.timerStartedEventAttributes)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no timer started within ${timeoutMs} ms`);
}
