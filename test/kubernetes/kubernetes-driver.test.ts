// The scaling workflows, unchanged, on the kubernetes driver against a real control plane:
// the worker runs as its own ServiceAccount (infra/k8s/worker-rbac.yaml), so every call the
// driver makes is one the Role allows. Instances are Pods; readiness comes from the API.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { rollingUpdateProgressQuery } from '../../contracts/scaling';
import { highestActivityAttempt } from '../../testkit/history';
import {
  appPods,
  controlPlane,
  endLeftoverOperation,
  DEPLOYMENT,
  deploymentReplicas,
  kubectl,
  kubernetesWorkerEnv,
  resetApp,
} from '../../testkit/kubernetes';
import { taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';

const SERVICE = 'jarvis-app';
const MUTEX = `scale/${SERVICE}`;

async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WorkflowFailedError, `a workflow failure, got ${String(error)}`);
    let cause: unknown = error.cause;
    while (cause && (cause as { cause?: unknown }).cause && !(cause as { type?: string }).type)
      cause = (cause as { cause?: unknown }).cause;
    return { type: (cause as { type?: string }).type, message: (cause as Error).message };
  }
  assert.fail('the workflow should have failed');
}

async function runOn<T>(client: Client, name: string, env: Record<string, string>, type: string, input: object): Promise<T> {
  const taskQueue = taskQueueFor(name);
  return withWorker(taskQueue, () => client.workflow.execute(type, { taskQueue, workflowId: MUTEX, args: [input] }) as Promise<T>, env);
}

describe('the scaling workflows on the kubernetes driver', () => {
  const session = useTemporalSession({ prepare: endLeftoverOperation });
  let env: Record<string, string>;

  before(async () => {
    await controlPlane();
    await resetApp(2);
    env = await kubernetesWorkerEnv();
  });

  it('scaleUp adds Pods one at a time through the scale subresource, each Ready before the next', async () => {
    const result = await runOn<{ added: string[]; instances: string[] }>(session.client, 'k8s scaleUp', env, 'scaleUp', {
      service: SERVICE,
      count: 2,
      cooldownSeconds: 0,
    });
    assert.deepEqual(result.added, ['jarvis-app-1', 'jarvis-app-2']);
    const pods = await appPods();
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.ready));
    assert.deepEqual(
      pods.filter((p) => p.instance).map((p) => p.instance),
      ['jarvis-app-1', 'jarvis-app-2'],
    );
    assert.equal((await deploymentReplicas()).spec, 4);
    const annotations = (await kubectl(['get', 'deployment', DEPLOYMENT, '-o', 'jsonpath={.metadata.annotations}'])).stdout;
    assert.doesNotMatch(annotations, /jarvis-scale\.io\/(starting|stopping)/, 'no intent left behind');
  });

  it('drainInstance removes exactly the chosen Pod (pod-deletion-cost), scaleDown the newest numbered one', async () => {
    const before = await appPods();
    const chosen = before.find((p) => p.instance === 'jarvis-app-1');
    const drained = await runOn<{ removed: string[] }>(session.client, 'k8s drain', env, 'drainInstance', {
      instance: 'jarvis-app-1',
      cooldownSeconds: 0,
    });
    assert.deepEqual(drained.removed, ['jarvis-app-1']);
    const after = await appPods();
    assert.deepEqual(
      after.map((p) => p.name).sort(),
      before
        .filter((p) => p !== chosen)
        .map((p) => p.name)
        .sort(),
      'only that Pod went',
    );

    const down = await runOn<{ removed: string[] }>(session.client, 'k8s scaleDown', env, 'scaleDown', {
      service: SERVICE,
      count: 1,
      cooldownSeconds: 0,
    });
    assert.deepEqual(down.removed, ['jarvis-app-2']);
    assert.deepEqual(
      (await appPods()).map((p) => p.name).sort(),
      after
        .filter((p) => p.instance !== 'jarvis-app-2')
        .map((p) => p.name)
        .sort(),
    );
    assert.equal((await deploymentReplicas()).spec, 2);
  });

  it('rollingUpdate is the Deployment rollout: pauseAfter holds it paused after the canary, resume finishes it', async () => {
    const taskQueue = taskQueueFor('k8s rollingUpdate canary');
    await kubectl(['scale', 'deployment', DEPLOYMENT, '--replicas=4']);
    await kubectl(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=60s']);
    await withWorker(
      taskQueue,
      async () => {
        const handle = await session.client.workflow.start('rollingUpdate', {
          taskQueue,
          workflowId: MUTEX,
          args: [{ service: SERVICE, version: '2.0.0', pauseAfter: 1 }],
        });
        for (let i = 0; i < 300 && (await handle.query(rollingUpdateProgressQuery)).step !== 'paused'; i++)
          await new Promise((r) => setTimeout(r, 100));
        const paused = await deploymentReplicas();
        assert.equal(paused.paused, true, 'the Deployment is paused after the canary');
        // A Deployment has no exact partition: the pause lands as soon as the watch sees the canary
        // updated, and on a fast cluster the controller may have gone further by then.
        const progress = await handle.query(rollingUpdateProgressQuery);
        assert.equal(progress.step, 'paused');
        assert.ok(
          (await appPods()).some((p) => p.image === 'jarvis-ai:2.0.0'),
          'the canary runs the new version',
        );
        await handle.signal('resume');
        const result = (await handle.result()) as { version: string; instances: string[] };
        assert.equal(result.version, '2.0.0');
      },
      env,
    );
    const pods = await appPods();
    assert.deepEqual(
      pods.map((p) => p.image),
      Array(4).fill('jarvis-ai:2.0.0'),
    );
    assert.deepEqual(
      pods.map((p) => p.instance),
      ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3', 'jarvis-app-4'],
      'the new Pods are named',
    );
    assert.equal((await deploymentReplicas()).paused, false);
  });

  it("abort rolls back to the previous ReplicaSet's template", async () => {
    const taskQueue = taskQueueFor('k8s rollingUpdate abort');
    const failure = await withWorker(
      taskQueue,
      async () => {
        const handle = await session.client.workflow.start('rollingUpdate', {
          taskQueue,
          workflowId: MUTEX,
          args: [{ service: SERVICE, version: '3.0.0', pauseAfter: 1 }],
        });
        for (let i = 0; i < 300 && (await handle.query(rollingUpdateProgressQuery)).step !== 'paused'; i++)
          await new Promise((r) => setTimeout(r, 100));
        await handle.signal('abort', 'canary looks wrong');
        return failureOf(handle.result());
      },
      env,
    );
    assert.equal(failure.type, 'RollingUpdateRolledBack');
    assert.match(failure.message, /canary looks wrong/);
    const d = await deploymentReplicas();
    assert.equal(d.image, 'jarvis-ai:2.0.0');
    assert.equal(d.paused, false);
    assert.deepEqual(
      (await appPods()).map((p) => p.image),
      Array(4).fill('jarvis-ai:2.0.0'),
    );
  });

  it('autoscaleCheck reads the Pods as the instances', async () => {
    const result = await runOn<{ decision: { current: number } }>(session.client, 'k8s autoscaleCheck', env, 'autoscaleCheck', {
      service: SERVICE,
    });
    assert.equal(result.decision.current, 4);
  });

  it('refuses to scale a Deployment an HPA scales, and changes nothing', async () => {
    await kubectl(['autoscale', 'deployment', DEPLOYMENT, '--min=2', '--max=6', '--cpu-percent=80']);
    try {
      const taskQueue = taskQueueFor('k8s hpa');
      const failure = await withWorker(
        taskQueue,
        () =>
          failureOf(
            session.client.workflow.execute('scaleUp', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, cooldownSeconds: 0 }] }),
          ),
        env,
      );
      assert.equal(failure.type, 'ConflictingAutoscaler');
      assert.match(failure.message, /HorizontalPodAutoscaler jarvis-app already scales deployments\/jarvis-app/);
      assert.equal((await deploymentReplicas()).spec, 4);
    } finally {
      await kubectl(['delete', 'hpa', DEPLOYMENT]);
    }
  });

  it('a verb the RBAC forbids fails at once, non-retryably, naming the resource and the verb', async () => {
    // A ServiceAccount that may read but not patch: the driver's first write is refused.
    await kubectl(['create', 'serviceaccount', 'jarvis-reader']);
    await kubectl([
      'create',
      'role',
      'jarvis-reader',
      '--verb=get,list,watch',
      '--resource=deployments.apps,pods,replicasets.apps,horizontalpodautoscalers.autoscaling',
    ]);
    await kubectl(['create', 'rolebinding', 'jarvis-reader', '--role=jarvis-reader', '--serviceaccount=jarvis:jarvis-reader']);
    const { serviceAccountKubeconfig } = await import('../../testkit/kubernetes');
    const readerEnv = { ...env, KUBECONFIG: await serviceAccountKubeconfig('jarvis-reader') };
    const taskQueue = taskQueueFor('k8s forbidden');
    const outcome = await withWorker(
      taskQueue,
      async () => {
        const handle = await session.client.workflow.start('scaleUp', {
          taskQueue,
          workflowId: MUTEX,
          args: [{ service: SERVICE, cooldownSeconds: 0 }],
        });
        return { failure: await failureOf(handle.result()), attempts: await highestActivityAttempt(handle, 'ensureInstanceStarted') };
      },
      readerEnv,
    );
    assert.equal(outcome.failure.type, 'PermissionDenied');
    assert.match(outcome.failure.message, /forbids patch deployments\/jarvis-app in namespace jarvis/);
    assert.equal(outcome.attempts, 1, 'not retried');
    assert.equal((await deploymentReplicas()).spec, 4);
  });
});
