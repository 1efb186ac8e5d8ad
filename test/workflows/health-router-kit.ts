// What the health router tests share: short router settings, starting and stopping the
// router, its progress, and the nginx activities the tests read the upstream through.
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createNginxActivities, loadBalancerSettings } from '../../activities/routing/nginx';
import { eventually } from '../../testkit/app-instances';
import { healthRouterProgressQuery, type HealthRouterProgress } from '../../contracts/routing';
import { healthRouterId } from '../../contracts/routing';
import { SERVICE } from '../../testkit/platform';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { watchUpstream } from '../../testkit/upstream';
import { withWorker } from '../../testkit/workers';

// Short periods so the whole story fits in about two minutes. The reload interval (5 s) is
// longer than a ramp step (12 s / 3 steps = 4 s), so the rate limit has to hold steps back.
export const routerSettings = {
  probeIntervalSeconds: 1,
  probeTimeoutMs: 700,
  failureThreshold: 2,
  openSeconds: 3,
  recoveryProbes: 2,
  rampSeconds: 12,
  fullWeight: 4,
  reloadIntervalSeconds: 5,
  // A few continueAsNew hand-overs happen inside the test, carrying the breaker states.
  roundsPerRun: 8,
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function nginx() {
  const config = testWorkerConfig();
  return createNginxActivities(loadBalancerSettings(config));
}

/** Starts health-router/jarvis-app with the short settings, and `overrides` on top. */
export function startRouter(client: Client, taskQueue: string, overrides: Partial<typeof routerSettings> = {}): Promise<WorkflowHandle> {
  return client.workflow.start('healthRouter', {
    taskQueue,
    workflowId: healthRouterId(SERVICE),
    args: [{ service: SERVICE, ...routerSettings, ...overrides }],
  });
}

export async function progressOf(handle: WorkflowHandle): Promise<HealthRouterProgress> {
  return handle.query(healthRouterProgressQuery);
}

/** Waits (up to a minute) until the router has done `more` rounds beyond `from`. */
export async function roundsPass(router: WorkflowHandle, from: number, more: number, what: string): Promise<void> {
  await eventually(what, async () => ((await progressOf(router)).rounds >= from + more ? true : undefined), 60_000, 200);
}

export async function stopRouter(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  await assert.rejects(handle.result(), /cancel/i);
}

export type UpstreamWatch = ReturnType<typeof watchUpstream>;

/** Runs fn with a worker (MIN_INSTANCES 1) on a task queue named after the test, while the rendered upstream is watched. */
export async function withRouterWorker(testName: string, fn: (taskQueue: string, watch: UpstreamWatch) => Promise<void>): Promise<void> {
  const taskQueue = taskQueueFor(testName);
  const watch = watchUpstream();
  try {
    await withWorker(taskQueue, () => fn(taskQueue, watch), { MIN_INSTANCES: '1' });
  } finally {
    watch.stop();
  }
}
