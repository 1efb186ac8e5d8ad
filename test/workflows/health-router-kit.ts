// What the health router tests share: short router settings, starting and stopping the
// router, its progress, and the nginx activities the tests read the upstream through.
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createNginxActivities } from '../../activities/routing/nginx';
import { healthRouterProgressQuery, type HealthRouterProgress } from '../../contracts/common/definitions';
import { healthRouterId } from '../../contracts/common/names';
import { SERVICE } from '../../testkit/platform';
import { testWorkerConfig } from '../../testkit/stack';

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
  return createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix });
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

export async function stopRouter(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  await assert.rejects(handle.result(), /cancel/i);
}
