// Named activity option sets, shared by the scaling workflows.
import { proxyActivities } from '@temporalio/workflow';
import type { Duration, RetryPolicy } from '@temporalio/common';
import type { Activities } from '../../activities';

/** Retries `maximumAttempts` times, the wait doubling from `initialInterval` up to `maximumInterval`. */
export function doubling(initialInterval: Duration, maximumInterval: Duration, maximumAttempts: number): RetryPolicy {
  return { initialInterval, backoffCoefficient: 2, maximumInterval, maximumAttempts };
}

// Quick calls to Docker, nginx, files and instance admin APIs. Ten attempts over about a
// minute ride out a dockerd or nginx restart; past that a person should look, so the
// workflow fails.
export const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: doubling('1 second', '10 seconds', 10),
});

/**
 * Waits that last as long as `seconds`. They heartbeat every poll, so a worker that dies
 * is noticed within 5 s and the wait resumes on another worker from its heartbeat.
 */
export function longWait(seconds: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: `${Math.ceil(seconds) + 30} seconds`,
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 20 },
  });
}

/** One blocking call that may take up to `seconds` (a container stop with its grace period); it cannot heartbeat. */
export function bounded(seconds: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: `${Math.ceil(seconds) + 30} seconds`,
    retry: doubling('1 second', '10 seconds', 5),
  });
}
