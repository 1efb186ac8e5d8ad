// Instances as the Pods of one Deployment per scaled service (ORCHESTRATOR=kubernetes).
// Start: the scale subresource one replica up, then the new Pod gets the planned instance
// name as a label. Stop and remove: the chosen Pod gets the lowest pod-deletion-cost, the
// count goes one down, and the driver checks that exactly that Pod went. Each writes with a
// resourceVersion precondition and first records its intent on the Deployment, so that a
// retry after a worker crash finishes the same step instead of scaling twice.
// Health comes from the API only (kubernetes-steps.ts); nothing here sends traffic to a Pod.
import type * as k8s from '@kubernetes/client-node';
import { FailureType, permanentFailure } from '../common/errors';
import { guardInstanceName } from '../common/name-guard';
import { withConflictRetry } from './kubernetes-api';
import {
  containerOf,
  DELETION_COST_ANNOTATION,
  imageTag,
  INSTANCE_LABEL,
  instanceNameOf,
  isReady,
  isTerminating,
  listPods,
  patchDeployment,
  patchPod,
  patchScale,
  podName,
  podsOf,
  readDeployment,
  readIntent,
  refuseWhenAutoscaled,
  STARTING_ANNOTATION,
  STOPPING_ANNOTATION,
  VICTIM_DELETION_COST,
  type DeploymentTarget,
} from './kubernetes-deployment';
import { waitFor } from './kubernetes-watch';
import {
  guardStartRequest,
  LEGACY_INSTANCE_HOST,
  sortInstances,
  type InstanceInfo,
  type Orchestrator,
  type StartInstanceRequest,
} from './orchestrator';

interface StartingIntent {
  name: string;
  replicas: number;
  /** The Pods that existed before the count went up: the new one is the one not among them. */
  before: string[];
}

interface StoppingIntent {
  name: string;
  pod: string;
  replicas: number;
}

export type KubernetesInstanceInfo = InstanceInfo & Required<Pick<InstanceInfo, 'pod' | 'ready'>>;

function portOf(target: DeploymentTarget, deployment: k8s.V1Deployment): number {
  return containerOf(target, deployment).container.ports?.[0]?.containerPort ?? 0;
}

/**
 * The Pod's address as the cluster reports it, for the tools that list addresses; nothing here
 * probes it (health comes from the API). Before the Pod has one: the legacy loopback default.
 */
function hostOf(pod: k8s.V1Pod): string {
  return pod.status?.podIP || LEGACY_INSTANCE_HOST;
}

function instanceOf(target: DeploymentTarget, deployment: k8s.V1Deployment, pod: k8s.V1Pod): KubernetesInstanceInfo {
  const container = pod.spec?.containers.find((c) => c.name === target.containerName) ?? pod.spec?.containers[0];
  return {
    name: instanceNameOf(pod),
    host: hostOf(pod),
    port: portOf(target, deployment),
    version: imageTag(container?.image ?? ''),
    running: !isTerminating(pod),
    pod: podName(pod),
    ready: isReady(pod),
  };
}

export async function listKubernetesInstances(target: DeploymentTarget, service: string): Promise<KubernetesInstanceInfo[]> {
  const deployment = await readDeployment(target, service);
  const pods = await listPods(target, deployment);
  return sortInstances(pods.map((pod) => instanceOf(target, deployment, pod)));
}

async function clearIntent(target: DeploymentTarget, service: string, annotation: string, name: string): Promise<void> {
  await withConflictRetry(async () => {
    const deployment = await readDeployment(target, service);
    if (readIntent<{ name: string }>(deployment, annotation)?.name !== name) return;
    await patchDeployment(target, deployment, { metadata: { annotations: { [annotation]: null } } });
  });
}

async function newPodOf(target: DeploymentTarget, deployment: k8s.V1Deployment, intent: StartingIntent): Promise<k8s.V1Pod> {
  const before = new Set(intent.before);
  return waitFor(target.api, podsOf(target, deployment), {
    decide: (pods) =>
      [...pods.values()]
        .filter((p) => !before.has(podName(p)) && !isTerminating(p) && !p.metadata?.labels?.[INSTANCE_LABEL])
        .sort((a, b) => podName(a).localeCompare(podName(b)))[0],
    deadlineEpochMs: Date.now() + 20_000,
    timeoutError: () =>
      new Error(`the ReplicaSet of deployments/${deployment.metadata?.name} created no Pod for ${intent.name} within 20 s`),
    progress: (pods) => ({ waitingFor: `a new Pod for ${intent.name}`, pods: pods.size }),
  });
}

async function ensureStarted(target: DeploymentTarget, request: StartInstanceRequest) {
  guardStartRequest(request);
  await refuseWhenAutoscaled(target, request.service);
  return withConflictRetry(async () => {
    let deployment = await readDeployment(target, request.service);
    const version = imageTag(containerOf(target, deployment).container.image ?? '');
    const pods = await listPods(target, deployment);
    const info = { name: request.name, host: LEGACY_INSTANCE_HOST, port: portOf(target, deployment), version, running: true };
    const existing = pods.find((p) => p.metadata?.labels?.[INSTANCE_LABEL] === request.name && !isTerminating(p));
    if (existing) {
      await clearIntent(target, request.service, STARTING_ANNOTATION, request.name);
      return { ...info, host: hostOf(existing), created: false };
    }
    if (request.version !== version) {
      throw permanentFailure(
        FailureType.InvalidInput,
        `deployments/${deployment.metadata?.name} runs ${version} and a Deployment runs one version: ` +
          `${request.name} cannot start with ${request.version} (a rollingUpdate changes the version)`,
      );
    }
    let intent = readIntent<StartingIntent>(deployment, STARTING_ANNOTATION);
    if (intent?.name !== request.name) {
      intent = { name: request.name, replicas: (deployment.spec?.replicas ?? 0) + 1, before: pods.map(podName) };
      deployment = await patchDeployment(target, deployment, {
        metadata: { annotations: { [STARTING_ANNOTATION]: JSON.stringify(intent) } },
      });
    }
    if ((deployment.spec?.replicas ?? 0) < intent.replicas) await patchScale(target, deployment, intent.replicas);
    const pod = await newPodOf(target, deployment, intent);
    await patchPod(target, pod, { labels: { [INSTANCE_LABEL]: request.name } });
    await clearIntent(target, request.service, STARTING_ANNOTATION, request.name);
    return { ...info, host: hostOf(pod), created: true };
  });
}

/** The service whose Deployment holds the instance (by its label, or its Pod name), and that Pod. */
async function findInstance(target: DeploymentTarget, name: string) {
  for (const service of target.services) {
    const deployment = await readDeployment(target, service);
    const pods = await listPods(target, deployment);
    const intent = readIntent<StoppingIntent>(deployment, STOPPING_ANNOTATION);
    const pod =
      pods.find((p) => instanceNameOf(p) === name) ?? (intent?.name === name ? pods.find((p) => podName(p) === intent.pod) : undefined);
    if (pod || intent?.name === name) return { service, deployment, pods, pod, intent };
  }
  return undefined;
}

async function waitUntilGone(
  target: DeploymentTarget,
  deployment: k8s.V1Deployment,
  intent: StoppingIntent,
  others: string[],
  graceSeconds: number,
) {
  const gone = await waitFor(target.api, podsOf(target, deployment), {
    decide: (pods) => (pods.has(intent.pod) ? undefined : [...others].filter((o) => !pods.has(o))),
    deadlineEpochMs: Date.now() + (graceSeconds + 30) * 1000,
    timeoutError: () => new Error(`Pod ${intent.pod} (${intent.name}) was still there ${graceSeconds + 30} s after the count went down`),
    progress: (pods) => ({ waitingFor: `Pod ${intent.pod} to go`, pods: pods.size }),
  });
  if (gone.length > 0) {
    throw permanentFailure(
      FailureType.NameConflict,
      `the ReplicaSet removed ${gone.join(', ')} besides ${intent.pod} (${intent.name}); check the Deployment`,
    );
  }
}

async function takeOut(target: DeploymentTarget, name: string, graceSeconds: number): Promise<boolean> {
  guardInstanceName(name);
  return withConflictRetry(async () => {
    const found = await findInstance(target, name);
    if (!found) return false;
    const { service, pods, pod } = found;
    let { deployment, intent } = found;
    if (!pod) {
      await clearIntent(target, service, STOPPING_ANNOTATION, name);
      return false;
    }
    await refuseWhenAutoscaled(target, service);
    if (intent?.name !== name) {
      intent = { name, pod: podName(pod), replicas: Math.max(0, (deployment.spec?.replicas ?? 0) - 1) };
      if (pod.metadata?.annotations?.[DELETION_COST_ANNOTATION] !== VICTIM_DELETION_COST)
        await patchPod(target, pod, { annotations: { [DELETION_COST_ANNOTATION]: VICTIM_DELETION_COST } });
      deployment = await patchDeployment(target, deployment, {
        metadata: { annotations: { [STOPPING_ANNOTATION]: JSON.stringify(intent) } },
      });
    }
    if ((deployment.spec?.replicas ?? 0) > intent.replicas) await patchScale(target, deployment, intent.replicas);
    const others = pods.filter((p) => podName(p) !== intent.pod && !isTerminating(p)).map(podName);
    await waitUntilGone(target, deployment, intent, others, graceSeconds);
    await clearIntent(target, service, STOPPING_ANNOTATION, name);
    return true;
  });
}

export function createKubernetesOrchestrator(target: DeploymentTarget): Orchestrator {
  return {
    listInstances: (service) => listKubernetesInstances(target, service),
    ensureInstanceStarted: (request) => ensureStarted(target, request),
    // The Pod's own terminationGracePeriodSeconds governs its SIGTERM; the count going down is the stop.
    stopInstance: async (name, graceSeconds) => ({ stopped: await takeOut(target, name, graceSeconds), forced: false }),
    removeInstance: async (name) => ({ removed: await takeOut(target, name, 35) }),
  };
}
