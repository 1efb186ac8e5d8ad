// The recorded histories of the scaling and routing workflows: scaleUp, scaleDown,
// drainInstance, rollingUpdate, autoscaleCheck and healthRouter, each on a fresh platform.
import type { Client } from '@temporalio/client';
import { healthRouterProgressQuery } from '../contracts/routing';
import { resumeSignal } from '../contracts/scaling';
import { eventually } from '../testkit/app-instances';
import { resetPlatform, SERVICE } from '../testkit/platform';
import { waitForRolloutPause } from '../testkit/rollout';
import { onFreshPlatform, scaleUpNow } from '../testkit/scaling';
import { taskQueueFor } from '../testkit/stack';
import { readRoutes, setFrozen } from '../testkit/upstream';
import { withWorker } from '../testkit/workers';
import { runAndSave, save, settle } from './history-recording';

export async function recordScaleUp(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record scaleUp');
  await onFreshPlatform(client, taskQueue, {}, async () => {
    await runAndSave(
      client,
      taskQueue,
      { type: 'scaleUp', workflowId: `record-scale-up-${Date.now()}`, input: { service: SERVICE, count: 2, cooldownSeconds: 1 } },
      'scaleUp-started-without-mutex-id',
    );
    await save(client.workflow.getHandle('scale/jarvis-app'), 'scaleUp');
  });
  await withWorker(
    taskQueue,
    async () => {
      const unhealthy = await client.workflow.start('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 2 }],
      });
      await settle(unhealthy.result());
      await save(unhealthy, 'scaleUp-unhealthy-instance-removed');
    },
    { APP_STARTUP_DELAY_MS: '600000' },
  );
  await resetPlatform(client);
}

/** scaleDown, drainInstance, rollingUpdate (with a canary pause and resume) and autoscaleCheck. */
export async function recordScalingOperations(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record scaling operations');
  await onFreshPlatform(client, taskQueue, { MIN_INSTANCES: '1' }, async () => {
    await scaleUpNow(client, taskQueue, 3);
    await runAndSave(
      client,
      taskQueue,
      { type: 'scaleDown', workflowId: 'scale/jarvis-app', input: { service: SERVICE, cooldownSeconds: 1 } },
      'scaleDown',
    );
    await runAndSave(
      client,
      taskQueue,
      { type: 'drainInstance', workflowId: `record-drain-${Date.now()}`, input: { instance: 'jarvis-app-1' } },
      'drainInstance-started-without-mutex-id',
    );
    await save(client.workflow.getHandle('scale/jarvis-app'), 'drainInstance');
    await scaleUpNow(client, taskQueue, 1);
    const rollout = await client.workflow.start('rollingUpdate', {
      taskQueue,
      workflowId: 'scale/jarvis-app',
      args: [{ service: SERVICE, version: 'v2', pauseAfter: 1 }],
    });
    await waitForRolloutPause(rollout, 300);
    await rollout.signal(resumeSignal);
    await rollout.result();
    await save(rollout, 'rollingUpdate-paused-and-resumed');
    await runAndSave(
      client,
      taskQueue,
      { type: 'autoscaleCheck', workflowId: `record-autoscale-check-${Date.now()}`, input: { service: SERVICE } },
      'autoscaleCheck',
    );
  });
}

/** healthRouter: an ejection and a recovery across a continueAsNew, a cancellation, and a start under another ID. */
export async function recordHealthRouter(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record healthRouter');
  await onFreshPlatform(client, taskQueue, { MIN_INSTANCES: '1' }, async () => {
    await scaleUpNow(client, taskQueue, 2);
    const settings = {
      probeIntervalSeconds: 0.5,
      probeTimeoutMs: 500,
      failureThreshold: 2,
      openSeconds: 1,
      recoveryProbes: 1,
      rampSeconds: 2,
      fullWeight: 3,
      reloadIntervalSeconds: 0.5,
      roundsPerRun: 12,
    };
    const router = await client.workflow.start('healthRouter', {
      taskQueue,
      workflowId: 'health-router/jarvis-app',
      args: [{ service: SERVICE, ...settings }],
    });
    const firstRunId = router.firstExecutionRunId;
    await setFrozen('jarvis-app-2', true);
    try {
      await eventually('jarvis-app-2 ejected', async () => (readRoutes()['jarvis-app-2'] === 'down' ? true : undefined), 60_000);
    } finally {
      await setFrozen('jarvis-app-2', false);
    }
    await eventually(
      'a second run that has brought jarvis-app-2 back to full weight',
      async () => {
        const progress = await router.query(healthRouterProgressQuery);
        return progress.run >= 2 && readRoutes()['jarvis-app-2'] === settings.fullWeight ? true : undefined;
      },
      90_000,
      200,
    );
    await save(client.workflow.getHandle('health-router/jarvis-app', firstRunId), 'healthRouter-ejects-and-continues-as-new');
    await runAndSave(
      client,
      taskQueue,
      { type: 'healthRouter', workflowId: `record-health-router-${Date.now()}`, input: { service: SERVICE } },
      'healthRouter-started-under-another-id',
    );
    await router.cancel();
    await settle(router.result());
    await save(client.workflow.getHandle('health-router/jarvis-app'), 'healthRouter-cancelled');
  });
}

/** An autoscaleCheck below the minimum that starts scaleUp, and that scaleUp (the parallel-reads branches of both). */
export async function recordAutoscaleStart(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record autoscale start');
  await onFreshPlatform(client, taskQueue, { MIN_INSTANCES: '1', COOLDOWN_PERIOD: '0' }, async () => {
    await runAndSave(
      client,
      taskQueue,
      { type: 'autoscaleCheck', workflowId: `record-autoscale-start-${Date.now()}`, input: { service: SERVICE } },
      'autoscaleCheck-started-scaleUp',
    );
    const scale = client.workflow.getHandle('scale/jarvis-app');
    await scale.result();
    await save(scale, 'scaleUp-started-by-autoscaleCheck');
  });
}
