// A worker killed with SIGKILL while the kubernetes driver waits, during a scale-up's wait
// for its new Pod and during a rollout's wait, and a second worker that finishes the
// operation: no second scale, no second image patch. kwok leaves the Pods' readiness to the
// test here (holdReadiness), which holds each wait open for as long as the kill needs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { highestActivityAttempt, waitForPendingActivity } from '../../testkit/history';
import {
  appPods,
  confirmDeletion,
  controlPlane,
  endLeftoverOperation,
  DEPLOYMENT,
  deploymentReplicas,
  holdReadiness,
  kubectl,
  kubernetesWorkerEnv,
  markReady,
  resetApp,
} from '../../testkit/kubernetes';
import { taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { startWorkerProcess } from '../../testkit/workers';

const MUTEX = 'scale/jarvis-app';

/** Acts as the kubelet of held Pods until `done` settles: new ones become Ready, terminating ones end. */
async function keepMarkingReady(done: Promise<unknown>): Promise<void> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    for (const pod of await appPods()) {
      if (pod.terminating) await confirmDeletion(pod.name);
      else if (!pod.ready) await markReady(pod.name);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function revision(): Promise<number> {
  const text = (
    await kubectl(['get', 'deployment', DEPLOYMENT, '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])
  ).stdout;
  return Number(text);
}

describe('the kubernetes driver survives a worker SIGKILL in its waits', () => {
  const session = useTemporalSession({ prepare: endLeftoverOperation });
  let env: Record<string, string>;

  before(async () => {
    await controlPlane();
    await resetApp(2);
    await holdReadiness();
    env = await kubernetesWorkerEnv();
  });
  after(() => resetApp(3));

  it('a kill in the wait for the new Pod: one scale, the second worker sees it Ready', async () => {
    const taskQueue = taskQueueFor('k8s crash scale wait');
    const first = await startWorkerProcess(taskQueue, env);
    const handle = await session.client.workflow.start('scaleUp', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: 'jarvis-app', cooldownSeconds: 0, healthTimeoutSeconds: 90 }],
    });
    let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
    try {
      await waitForPendingActivity(handle, 'waitForHealthy');
      await first.kill('SIGKILL');
      const whileDown = await appPods();
      assert.equal(whileDown.length, 3, 'the count went up once before the kill');
      assert.deepEqual(
        whileDown.filter((p) => !p.ready).map((p) => p.instance),
        ['jarvis-app-1'],
      );
      second = await startWorkerProcess(taskQueue, env);
      const result = handle.result();
      await keepMarkingReady(result);
      assert.deepEqual(((await result) as { added: string[] }).added, ['jarvis-app-1']);
    } finally {
      await first.kill('SIGKILL');
      await second?.kill('SIGTERM');
    }
    assert.equal((await deploymentReplicas()).spec, 3, 'no second scale');
    assert.equal((await appPods()).filter((p) => p.ready).length, 3);
    assert.equal(await highestActivityAttempt(handle, 'ensureInstanceStarted'), 1, 'the count was raised once');
    assert.ok((await highestActivityAttempt(handle, 'waitForHealthy')) >= 2, 'the wait resumed on the second worker');
  });

  it('a kill in the rollout wait: one image patch, the second worker follows the same rollout to the end', async () => {
    const taskQueue = taskQueueFor('k8s crash rollout wait');
    const revisionBefore = await revision();
    const first = await startWorkerProcess(taskQueue, env);
    const handle = await session.client.workflow.start('rollingUpdate', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: 'jarvis-app', version: '4.0.0', healthTimeoutSeconds: 60 }],
    });
    let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
    try {
      await waitForPendingActivity(handle, 'waitForDeploymentRollout');
      await first.kill('SIGKILL');
      second = await startWorkerProcess(taskQueue, env);
      const result = handle.result();
      await keepMarkingReady(result);
      assert.equal(((await result) as { version: string }).version, '4.0.0');
    } finally {
      await first.kill('SIGKILL');
      await second?.kill('SIGTERM');
    }
    assert.equal(await revision(), revisionBefore + 1, 'one new ReplicaSet revision: the image was set once');
    assert.deepEqual(
      (await appPods()).map((p) => p.image),
      Array(3).fill('jarvis-ai:4.0.0'),
    );
    assert.equal(await highestActivityAttempt(handle, 'startDeploymentRollout'), 1);
    assert.ok((await highestActivityAttempt(handle, 'waitForDeploymentRollout')) >= 2, 'the wait resumed on the second worker');
  });
});
