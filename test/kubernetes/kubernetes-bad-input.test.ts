// Bad settings and inputs for the kubernetes driver: each stops with a message naming the
// problem, and the Deployment is left exactly as it was.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { controlPlane, endLeftoverOperation, DEPLOYMENT, kubectl, kubernetesWorkerEnv, resetApp } from '../../testkit/kubernetes';
import { stateDir, taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { startWorkerProcess, withWorker } from '../../testkit/workers';

/** The Deployment's whole spec and its revision: "nothing changed" means this is equal before and after. */
async function deploymentState(): Promise<string> {
  const d = JSON.parse((await kubectl(['get', 'deployment', DEPLOYMENT, '-o', 'json'])).stdout) as {
    metadata: { generation: number; annotations: Record<string, string> };
    spec: unknown;
  };
  return JSON.stringify([d.metadata.generation, d.metadata.annotations, d.spec]);
}

async function workerRefusal(env: Record<string, string>): Promise<string> {
  try {
    const worker = await startWorkerProcess(taskQueueFor('k8s bad settings'), env);
    await worker.kill('SIGTERM');
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail('the worker should have refused to start');
}

describe('bad settings and inputs for the kubernetes driver change nothing', () => {
  const session = useTemporalSession({ prepare: endLeftoverOperation });
  let env: Record<string, string>;
  let state: string;

  before(async () => {
    await controlPlane();
    await resetApp(2);
    env = await kubernetesWorkerEnv();
    state = await deploymentState();
  });

  it('the worker refuses to start, naming the problem', async () => {
    const dir = path.join(stateDir, 'kubernetes', 'kubeconfigs');
    const unreachable = path.join(dir, 'unreachable.kubeconfig');
    // Port 1 on loopback: nothing listens there.
    writeFileSync(
      unreachable,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\n' +
        'users: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    const admin = (await controlPlane()).kubeconfig;
    const malformed = path.join(dir, 'malformed.kubeconfig');
    writeFileSync(malformed, 'clusters: [this is: not yaml\n');
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no API server', { KUBECONFIG: unreachable }, /API server https:\/\/127\.0\.0\.1:1 is unreachable .*get deployments\/jarvis-app/],
      // As the admin: the worker's own ServiceAccount is refused (403) before the API looks.
      [
        'no such namespace',
        { K8S_NAMESPACE: 'nowhere', KUBECONFIG: admin },
        /Kubernetes has no deployments\/jarvis-app in namespace nowhere \(or no/,
      ],
      [
        'a namespace the worker may not read',
        { K8S_NAMESPACE: 'default' },
        /RBAC forbids get deployments\/jarvis-app in namespace default/,
      ],
      ['no such Deployment', { K8S_DEPLOYMENT_NAME: 'no-such-app' }, /Kubernetes has no deployments\/no-such-app/],
      ['a malformed kubeconfig', { KUBECONFIG: malformed }, /KUBECONFIG .*malformed\.kubeconfig: cannot load it/],
      ['a missing kubeconfig', { KUBECONFIG: path.join(dir, 'absent.kubeconfig') }, /KUBECONFIG .*absent\.kubeconfig: cannot load it/],
      ['a Deployment name that is not DNS-1123', { K8S_DEPLOYMENT_NAME: 'Jarvis_App' }, /K8S_DEPLOYMENT_NAME.*DNS-1123/],
    ];
    for (const [what, change, expected] of cases) {
      const message = await workerRefusal({ ...env, ...change });
      assert.match(message, /worker exited with 2/, `${what}: a configuration error`);
      assert.match(message, expected, `${what}: ${message}`);
    }
    assert.equal(await deploymentState(), state);
  });

  it('an image reference with spaces fails at once, non-retryably', async () => {
    const taskQueue = taskQueueFor('k8s bad image');
    const error = await withWorker(
      taskQueue,
      () =>
        session.client.workflow
          .execute('rollingUpdate', {
            taskQueue,
            workflowId: 'scale/jarvis-app',
            args: [{ service: 'jarvis-app', version: '2.0.0 --force' }],
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      env,
    );
    assert.ok(error instanceof WorkflowFailedError);
    const cause = error.cause as { type?: string; message: string };
    assert.equal(cause.type, 'InvalidInput');
    assert.match(cause.message, /version must be letters, digits/);
    assert.equal(await deploymentState(), state);
  });
});
