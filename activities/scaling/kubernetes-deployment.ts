// One scaled service as a Kubernetes Deployment: reading it, its Pods and its
// HorizontalPodAutoscalers, and what the driver writes on them. Instances are Pods; the driver
// labels each Pod it starts with the instance name the workflow planned (jarvis-app-4), so
// names stay stable and our victim policy applies. A Pod the driver did not start (a
// `kubectl scale`, a ReplicaSet's replacement, a rollout) shows under its own Pod name.
import type * as k8s from '@kubernetes/client-node';
import { FailureType, permanentFailure } from '../common/errors';
import { call, mergePatch, type KubernetesApi } from './kubernetes-api';
import type { WatchedSet } from './kubernetes-watch';

export { imageTag, imageWithTag } from '../../policy/scaling/deployment-rollout';

export const INSTANCE_LABEL = 'jarvis-scale.io/instance';
/** Intent records on the Deployment: what a start or a stop is doing, so a retry after a crash finishes it instead of doing it twice. */
export const STARTING_ANNOTATION = 'jarvis-scale.io/starting';
export const STOPPING_ANNOTATION = 'jarvis-scale.io/stopping';
/** The ReplicaSet controller removes the Pod with the lowest cost first when the count drops. */
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
export const VICTIM_DELETION_COST = String(-2147483647);

export interface DeploymentTarget {
  api: KubernetesApi;
  deploymentName: (service: string) => string;
  containerName: string;
  services: string[];
}

export const podName = (pod: k8s.V1Pod) => pod.metadata?.name ?? '';
export const isTerminating = (pod: k8s.V1Pod) => Boolean(pod.metadata?.deletionTimestamp);
export const instanceNameOf = (pod: k8s.V1Pod) => pod.metadata?.labels?.[INSTANCE_LABEL] ?? podName(pod);
export const isReady = (pod: k8s.V1Pod) =>
  !isTerminating(pod) && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export async function readDeployment(target: DeploymentTarget, service: string): Promise<k8s.V1Deployment> {
  const name = target.deploymentName(service);
  return call(target.api, 'get', `deployments/${name}`, () =>
    target.api.apps.readNamespacedDeployment({ name, namespace: target.api.namespace }),
  );
}

/** Two controllers setting one replica count would fight: refuse when an HPA targets the Deployment. */
export async function refuseWhenAutoscaled(target: DeploymentTarget, service: string): Promise<void> {
  const name = target.deploymentName(service);
  const { api } = target;
  const hpas = await call(api, 'list', 'horizontalpodautoscalers', () =>
    api.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: api.namespace }),
  );
  const owner = hpas.items.find((h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name);
  if (owner) {
    throw permanentFailure(
      FailureType.ConflictingAutoscaler,
      `HorizontalPodAutoscaler ${owner.metadata?.name} already scales deployments/${name} in namespace ${api.namespace}; ` +
        'two controllers would fight over its replica count: delete the HPA or let it scale alone',
    );
  }
}

export function containerOf(target: DeploymentTarget, deployment: k8s.V1Deployment): { index: number; container: k8s.V1Container } {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  const index = containers.findIndex((c) => c.name === target.containerName);
  if (index < 0) {
    throw permanentFailure(
      FailureType.OrchestratorResourceMissing,
      `deployments/${deployment.metadata?.name} has no container named ${target.containerName} ` +
        `(it has: ${containers.map((c) => c.name).join(', ') || 'none'}); set K8S_CONTAINER_NAME`,
    );
  }
  return { index, container: containers[index] };
}

export function selectorOf(deployment: k8s.V1Deployment): string {
  const labels = deployment.spec?.selector.matchLabels ?? {};
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function podsOf(target: DeploymentTarget, deployment: k8s.V1Deployment): WatchedSet<k8s.V1Pod> {
  const { api } = target;
  const labelSelector = selectorOf(deployment);
  return {
    path: `/api/v1/namespaces/${api.namespace}/pods`,
    query: { labelSelector },
    list: async () => {
      const list = await call(api, 'list', 'pods', () => api.core.listNamespacedPod({ namespace: api.namespace, labelSelector }));
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
  };
}

export function deploymentWatch(target: DeploymentTarget, service: string): WatchedSet<k8s.V1Deployment> {
  const { api } = target;
  const name = target.deploymentName(service);
  const fieldSelector = `metadata.name=${name}`;
  return {
    path: `/apis/apps/v1/namespaces/${api.namespace}/deployments`,
    query: { fieldSelector },
    list: async () => {
      const list = await call(api, 'list', 'deployments', () =>
        api.apps.listNamespacedDeployment({ namespace: api.namespace, fieldSelector }),
      );
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
  };
}

export async function listPods(target: DeploymentTarget, deployment: k8s.V1Deployment): Promise<k8s.V1Pod[]> {
  return (await podsOf(target, deployment).list()).items;
}

/** A merge patch on the Deployment; `resourceVersion` makes it conditional (409 when it changed since). */
export async function patchDeployment(target: DeploymentTarget, deployment: k8s.V1Deployment, body: object): Promise<k8s.V1Deployment> {
  const name = deployment.metadata?.name ?? '';
  const { api } = target;
  const withPrecondition = {
    ...body,
    metadata: { ...(body as { metadata?: object }).metadata, resourceVersion: deployment.metadata?.resourceVersion },
  };
  return call(api, 'patch', `deployments/${name}`, () =>
    api.apps.patchNamespacedDeployment({ name, namespace: api.namespace, body: withPrecondition }, mergePatch),
  );
}

/** Sets the replica count through the scale subresource, on the version read. */
export async function patchScale(target: DeploymentTarget, deployment: k8s.V1Deployment, replicas: number): Promise<void> {
  const name = deployment.metadata?.name ?? '';
  const { api } = target;
  const body = { metadata: { resourceVersion: deployment.metadata?.resourceVersion }, spec: { replicas } };
  await call(api, 'patch', `deployments/${name}/scale`, () =>
    api.apps.patchNamespacedDeploymentScale({ name, namespace: api.namespace, body }, mergePatch),
  );
}

export async function patchPod(target: DeploymentTarget, pod: k8s.V1Pod, metadata: object): Promise<k8s.V1Pod> {
  const name = podName(pod);
  const { api } = target;
  const body = { metadata: { ...metadata, resourceVersion: pod.metadata?.resourceVersion } };
  return call(api, 'patch', `pods/${name}`, () => api.core.patchNamespacedPod({ name, namespace: api.namespace, body }, mergePatch));
}

export function readIntent<T>(deployment: k8s.V1Deployment, annotation: string): T | undefined {
  const text = deployment.metadata?.annotations?.[annotation];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
