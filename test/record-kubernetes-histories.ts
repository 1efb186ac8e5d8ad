// Histories recorded on the kubernetes driver (a real control plane, infra/kubernetes/):
// scaleUp and drainInstance through the per-instance steps, and rollingUpdate down the
// Deployment's own rollout, paused after its canary then resumed, and aborted then rolled back.
import type { Client } from '@temporalio/client';
import { rollingUpdateProgressQuery } from '../contracts/scaling';
import { kubernetesWorkerEnv, resetApp } from '../testkit/kubernetes';
import { taskQueueFor } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { runAndSave, save, settle } from './history-recording';

const MUTEX = 'scale/jarvis-app';

async function untilPaused(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (let i = 0; i < 300 && (await handle.query(rollingUpdateProgressQuery)).step !== 'paused'; i++)
    await new Promise((r) => setTimeout(r, 100));
}

export async function recordKubernetes(client: Client): Promise<void> {
  await resetApp(2);
  const env = await kubernetesWorkerEnv();
  const taskQueue = taskQueueFor('record kubernetes');
  await withWorker(
    taskQueue,
    async () => {
      const up = { type: 'scaleUp', workflowId: MUTEX, input: { service: 'jarvis-app', count: 2, cooldownSeconds: 1 } };
      await runAndSave(client, taskQueue, up, 'scaleUp-kubernetes');
      await runAndSave(
        client,
        taskQueue,
        { type: 'drainInstance', workflowId: MUTEX, input: { instance: 'jarvis-app-1', cooldownSeconds: 0 } },
        'drainInstance-kubernetes',
      );

      const canary = await client.workflow.start('rollingUpdate', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: 'jarvis-app', version: '2.0.0', pauseAfter: 1 }],
      });
      await untilPaused(client, MUTEX);
      await canary.signal('resume');
      await canary.result();
      await save(canary, 'rollingUpdate-kubernetes-canary-resumed');

      const aborted = await client.workflow.start('rollingUpdate', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: 'jarvis-app', version: '3.0.0', pauseAfter: 1 }],
      });
      await untilPaused(client, MUTEX);
      await aborted.signal('abort', 'recorded abort');
      await settle(aborted.result());
      await save(aborted, 'rollingUpdate-kubernetes-aborted-rolled-back');
    },
    env,
  );
  await resetApp(3);
}
