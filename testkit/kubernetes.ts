// The real Kubernetes control plane the kubernetes driver's tests use (infra/kubernetes/
// cluster.sh: etcd, kube-apiserver, controller-manager, scheduler and kwok on loopback),
// started once per test run by the first file that needs it; stack.sh down stops it.
// Everything goes through kubectl or the driver's API client to 127.0.0.1; nothing is ever
// sent to a Pod or Service address.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { repoRoot, stateDir } from './stack';
import { runTool } from './tools';

export const K8S_NAMESPACE = 'jarvis';
export const DEPLOYMENT = 'jarvis-app';
export const manifestsDir = path.join(repoRoot, 'infra', 'k8s');
const clusterScript = path.join(repoRoot, 'infra', 'kubernetes', 'cluster.sh');

let started: Promise<{ kubeconfig: string; kubectlBin: string; startSeconds: number }> | undefined;

/** Starts the control plane unless it runs (about 6 s); its admin kubeconfig's namespace is `jarvis`. */
export function controlPlane(): Promise<{ kubeconfig: string; kubectlBin: string; startSeconds: number }> {
  started ??= (async () => {
    const t0 = Date.now();
    const env = { ...process.env, JARVIS_STATE_DIR: stateDir, K8S_NAMESPACE };
    // Builds the binaries when missing, or waits for the build test/run-all.sh started in the background.
    const install = path.join(repoRoot, 'infra', 'kubernetes', 'install.sh');
    const built = await runTool('nice', ['-n', '19', 'bash', install], { env, timeoutMs: 60 * 60_000 });
    if (built.code !== 0) throw new Error(`the Kubernetes control plane could not be built:\n${built.stderr.slice(-4000)}`);
    const up = await runTool('bash', [clusterScript, 'up'], { env, timeoutMs: 180_000 });
    if (up.code !== 0) throw new Error(`the Kubernetes control plane did not start:\n${up.stderr}${up.stdout}`);
    const bin = await runTool('bash', [install, 'path']);
    return {
      kubeconfig: up.stdout.trim().split('\n').pop() ?? '',
      kubectlBin: path.join(bin.stdout.trim(), 'kubectl'),
      startSeconds: (Date.now() - t0) / 1000,
    };
  })();
  return started;
}

/** kubectl as the admin, as a user would type it (the context's namespace is `jarvis`); throws on failure unless `allowFailure`. */
export async function kubectl(args: string[], options: { kubeconfig?: string; allowFailure?: boolean; cwd?: string } = {}) {
  const plane = await controlPlane();
  const result = await runTool(plane.kubectlBin, args, {
    env: { ...process.env, KUBECONFIG: options.kubeconfig ?? plane.kubeconfig },
    cwd: options.cwd ?? repoRoot,
    timeoutMs: 120_000,
  });
  if (result.code !== 0 && !options.allowFailure) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result;
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await kubectl([...args, '-o', 'json'])).stdout) as T;
}

export interface PodView {
  name: string;
  instance?: string;
  ready: boolean;
  image: string;
  terminating: boolean;
  ip?: string;
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: Array<{ image: string }> };
  status: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export async function appPods(): Promise<PodView[]> {
  const list = await kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-l', `app.kubernetes.io/name=${DEPLOYMENT}`]);
  return list.items
    .map((p) => ({
      name: p.metadata.name,
      instance: p.metadata.labels?.['jarvis-scale.io/instance'],
      ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && !p.metadata.deletionTimestamp,
      image: p.spec.containers[0].image,
      terminating: Boolean(p.metadata.deletionTimestamp),
      ip: p.status.podIP,
    }))
    .sort((a, b) => (a.instance ?? a.name).localeCompare(b.instance ?? b.name, 'en', { numeric: true }));
}

export async function deploymentReplicas(): Promise<{ spec: number; ready: number; image: string; paused: boolean }> {
  const d = await kubectlJson<{
    spec: { replicas: number; paused?: boolean; template: { spec: { containers: Array<{ image: string }> } } };
    status: { readyReplicas?: number };
  }>(['get', 'deployment', DEPLOYMENT]);
  return {
    spec: d.spec.replicas,
    ready: d.status.readyReplicas ?? 0,
    image: d.spec.template.spec.containers[0].image,
    paused: Boolean(d.spec.paused),
  };
}

/** Ends a scaling operation an earlier, interrupted run left holding the mutex scale/jarvis-app. */
export async function endLeftoverOperation(client: Client): Promise<void> {
  await client.workflow
    .getHandle(`scale/${DEPLOYMENT}`)
    .terminate('kubernetes test reset')
    .catch(() => undefined);
}

/** A fresh app Deployment from infra/k8s/ with `replicas` Pods Ready, and no HPA. */
export async function resetApp(replicas = 3): Promise<void> {
  // Orphaned first, then the Pods removed at once: a Pod kwok leaves alone (holdReadiness) would
  // otherwise stay Terminating, with no kubelet to confirm its end.
  const selector = `app.kubernetes.io/name=${DEPLOYMENT}`;
  await kubectl(['delete', 'deployment', DEPLOYMENT, '--ignore-not-found', '--cascade=orphan', '--wait=true']);
  await kubectl(['delete', 'replicasets', '-l', selector, '--ignore-not-found', '--cascade=orphan', '--wait=true']);
  await kubectl(['delete', 'pods', '-l', selector, '--ignore-not-found', '--grace-period=0', '--force', '--wait=true']);
  await kubectl(['delete', 'hpa', '--all']);
  await kubectl(['apply', '-f', manifestsDir]);
  await kubectl(['scale', 'deployment', DEPLOYMENT, `--replicas=${replicas}`]);
  await kubectl(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=60s']);
}

/** A kubeconfig for a ServiceAccount of the jarvis namespace (a token from the TokenRequest API): what the worker's Pod gets. */
export async function serviceAccountKubeconfig(serviceAccount = 'jarvis-worker'): Promise<string> {
  const plane = await controlPlane();
  const token = (await kubectl(['create', 'token', serviceAccount, '--duration=2h'])).stdout.trim();
  const server = (await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).stdout.trim();
  const ca = path.join(path.dirname(plane.kubeconfig), 'ca.crt');
  const dir = path.join(stateDir, 'kubernetes', 'kubeconfigs');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${serviceAccount}.kubeconfig`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: test, cluster: { server: "' + server + '", certificate-authority: "' + ca + '" } }]',
      'users: [{ name: ' + serviceAccount + ', user: { token: "' + token + '" } }]',
      'contexts: [{ name: test, context: { cluster: test, user: ' + serviceAccount + ', namespace: ' + K8S_NAMESPACE + ' } }]',
      'current-context: test',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/** The worker's settings for the kubernetes driver, as the worker's own ServiceAccount. */
export async function kubernetesWorkerEnv(): Promise<Record<string, string>> {
  return {
    ORCHESTRATOR: 'kubernetes',
    KUBECONFIG: await serviceAccountKubeconfig(),
    K8S_NAMESPACE,
    K8S_DEPLOYMENT_NAME: DEPLOYMENT,
    MIN_INSTANCES: '1',
    MAX_INSTANCES: '8',
  };
}

/**
 * kwok leaves alone Pods annotated kwok.x-k8s.io/status=custom: their readiness is then the
 * test's to set, which holds a scale or rollout wait open for as long as a test needs.
 */
export async function holdReadiness(): Promise<void> {
  await kubectl([
    'patch',
    'deployment',
    DEPLOYMENT,
    '--type=merge',
    '-p',
    '{"spec":{"template":{"metadata":{"annotations":{"kwok.x-k8s.io/status":"custom"}}}}}',
  ]);
  for (let i = 0; i < 200; i++) {
    const status = await kubectl(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=1s'], { allowFailure: true });
    if (status.code === 0) return;
    for (const pod of await appPods()) {
      if (pod.terminating) await confirmDeletion(pod.name);
      else if (!pod.ready) await markReady(pod.name);
    }
  }
  throw new Error('the rollout to held-readiness Pods did not finish');
}

/** Ends a held Pod that is terminating, as its kubelet would once the container exited. */
export async function confirmDeletion(pod: string): Promise<void> {
  await kubectl(['delete', 'pod', pod, '--grace-period=0', '--force', '--ignore-not-found', '--wait=false'], { allowFailure: true });
}

/** Sets a held Pod Running and Ready through its status subresource, as a kubelet would. */
export async function markReady(pod: string): Promise<void> {
  const now = new Date().toISOString();
  const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
  }));
  await kubectl(
    ['patch', 'pod', pod, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', conditions } })],
    { allowFailure: true },
  );
}
