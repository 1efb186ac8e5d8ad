// Waits, through the workflow's own progress query, until a rolling update stops at its
// pause (pauseAfter): the point where the canary tests kill, abort or resume it.
import type { WorkflowHandle } from '@temporalio/client';
import { rollingUpdateProgressQuery } from '../contracts/scaling';

/** Polls every 100 ms, at most `polls` times, and returns the last progress seen, paused or not: the caller asserts on it. */
export async function waitForRolloutPause(handle: WorkflowHandle, polls: number) {
  let progress = await handle.query(rollingUpdateProgressQuery);
  for (let i = 0; i < polls && !(progress.paused && progress.step === 'paused'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    progress = await handle.query(rollingUpdateProgressQuery);
  }
  return progress;
}
