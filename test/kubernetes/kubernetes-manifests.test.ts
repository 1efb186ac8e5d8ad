// infra/k8s/ applied for real on a fresh control plane, then the seed's kubectl commands as
// written (no -n: the kubeconfig context's namespace is `jarvis`), and the worker's RBAC
// checked verb by verb with `kubectl auth can-i` as its ServiceAccount.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { appPods, controlPlane, DEPLOYMENT, deploymentReplicas, kubectl, manifestsDir } from '../../testkit/kubernetes';

const WORKER = 'system:serviceaccount:jarvis:jarvis-worker';

/** What the driver does, and so what the Role must allow; each [verb, resource]. */
export const WORKER_NEEDS: Array<[string, string]> = [
  ['get', 'deployments.apps'],
  ['list', 'deployments.apps'],
  ['watch', 'deployments.apps'],
  ['patch', 'deployments.apps'],
  ['patch', 'deployments.apps/scale'],
  ['list', 'replicasets.apps'],
  ['list', 'pods'],
  ['watch', 'pods'],
  ['patch', 'pods'],
  ['list', 'horizontalpodautoscalers.autoscaling'],
];

/** What it never does: deleting Pods or the Deployment, replacing objects, reading secrets, other namespaces. */
const WORKER_MUST_NOT: Array<[string, string, string?]> = [
  ['delete', 'pods'],
  ['delete', 'deployments.apps'],
  ['update', 'deployments.apps'],
  ['create', 'deployments.apps'],
  ['get', 'secrets'],
  ['create', 'pods/eviction'],
  ['list', 'pods', 'default'],
];

describe('the Kubernetes manifests on a real control plane', () => {
  before(async () => {
    await controlPlane();
    // A fresh start for the manifests: nothing of ours in the cluster.
    await kubectl(['delete', 'namespace', 'jarvis', '--ignore-not-found', '--wait=true', '--timeout=90s']);
  });

  it('kubectl apply -f infra/k8s/ succeeds in one go on a fresh control plane', async () => {
    const apply = await kubectl(['apply', '-f', manifestsDir]);
    assert.match(apply.stdout, /namespace\/jarvis created/);
    assert.match(apply.stdout, /deployment\.apps\/jarvis-app created/);
    assert.match(apply.stdout, /role\.rbac\.authorization\.k8s\.io\/jarvis-worker created/);
    await kubectl(['rollout', 'status', 'deployment/jarvis-app', '--timeout=60s']);
  });

  it("the seed's commands work as written, with no -n", async () => {
    const pods = await kubectl(['get', 'pods']);
    assert.match(pods.stdout, /jarvis-app-\S+\s+1\/1\s+Running/);
    assert.match((await kubectl(['get', 'services'])).stdout, /jarvis-app\s+ClusterIP/);
    assert.match((await kubectl(['get', 'deployments'])).stdout, /jarvis-app\s+3\/3/);

    await kubectl(['scale', 'deployment', DEPLOYMENT, '--replicas=5']);
    await kubectl(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=60s']);
    assert.equal((await appPods()).filter((p) => p.ready).length, 5);

    await kubectl(['set', 'image', `deployment/${DEPLOYMENT}`, 'jarvis=jarvis-ai:2.0.0']);
    const status = await kubectl(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=90s']);
    assert.match(status.stdout, /successfully rolled out/);
    const after = await appPods();
    assert.deepEqual(
      after.filter((p) => !p.terminating).map((p) => p.image),
      Array(5).fill('jarvis-ai:2.0.0'),
    );
    assert.equal((await deploymentReplicas()).image, 'jarvis-ai:2.0.0');
    // kwok's Pod addresses are loopback ones: even a stray probe would stay on this machine.
    for (const pod of after.filter((p) => p.ip)) assert.match(pod.ip ?? '', /^127\./, `${pod.name} has ${pod.ip}`);
  });

  it("grants the worker's ServiceAccount exactly the verbs the driver uses", async () => {
    for (const [verb, resource] of WORKER_NEEDS) {
      const can = await kubectl(['auth', 'can-i', verb, resource, '--as', WORKER], { allowFailure: true });
      assert.equal(can.stdout.trim(), 'yes', `the worker may ${verb} ${resource}`);
    }
    for (const [verb, resource, namespace] of WORKER_MUST_NOT) {
      const args = ['auth', 'can-i', verb, resource, '--as', WORKER, ...(namespace ? ['-n', namespace] : [])];
      const can = await kubectl(args, { allowFailure: true });
      assert.equal(can.stdout.trim(), 'no', `the worker may not ${verb} ${resource}${namespace ? ` in ${namespace}` : ''}`);
    }
    // The Role lists nothing beyond what is checked above.
    const role = JSON.parse((await kubectl(['get', 'role', 'jarvis-worker', '-o', 'json'])).stdout) as {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    const granted = role.rules.flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}${r.apiGroups[0] ? `.${r.apiGroups[0]}` : ''}`)),
    );
    const needed = WORKER_NEEDS.map(([v, r]) => `${v} ${r.replace(/^(\w+)\.(\w+)\/(\w+)$/, '$1/$3.$2')}`);
    assert.deepEqual([...granted].sort(), [...needed].sort());
  });
});
