// rollingUpdate on Kubernetes: the Deployment's own rollout, as `kubectl set image` and
// `kubectl rollout status|pause|resume|undo` drive it. The image patch carries the
// resourceVersion read; progress is followed with a watch on observedGeneration,
// updatedReplicas and availableReplicas; a rollback puts the previous ReplicaSet's Pod
// template back. After a rollout the new Pods get instance names, so scale-downs can choose them.
import type * as k8s from '@kubernetes/client-node';
import { planNewInstances } from '../../policy/scaling/instance-plan';
import { rolloutReached } from '../../policy/scaling/deployment-rollout';
import { FailureType, permanentFailure } from '../common/errors';
import { guardServiceName, guardVersion } from '../common/name-guard';
import { call, strategicMerge, withConflictRetry } from './kubernetes-api';
import {
  containerOf,
  deploymentWatch,
  imageTag,
  imageWithTag,
  INSTANCE_LABEL,
  instanceNameOf,
  isTerminating,
  listPods,
  patchDeployment,
  patchPod,
  readDeployment,
  selectorOf,
  type DeploymentTarget,
} from './kubernetes-deployment';
import { waitFor } from './kubernetes-watch';

export interface RolloutState {
  generation: number;
  replicas: number;
  version: string;
}

export interface RolloutWait {
  service: string;
  generation: number;
  /** Stop waiting once this many Pods run the new template and the count is available (a canary); absent: the whole rollout. */
  updatedAtLeast?: number;
  deadlineEpochMs: number;
}

const REVISION = 'deployment.kubernetes.io/revision';

function rolloutDone(d: k8s.V1Deployment | undefined, wait: RolloutWait): boolean {
  if (!d) return false;
  const progress = {
    generation: wait.generation,
    observedGeneration: d.status?.observedGeneration ?? 0,
    desired: d.spec?.replicas ?? 0,
    current: d.status?.replicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
  };
  return rolloutReached(progress, wait.updatedAtLeast).reached;
}

/** Gives every Pod without an instance name the lowest free one (the Pods a rollout made). */
async function nameNewPods(target: DeploymentTarget, service: string): Promise<void> {
  await withConflictRetry(async () => {
    const pods = (await listPods(target, await readDeployment(target, service))).filter((p) => !isTerminating(p));
    const unnamed = pods.filter((p) => !p.metadata?.labels?.[INSTANCE_LABEL]);
    const named = pods.filter((p) => p.metadata?.labels?.[INSTANCE_LABEL]).map((p) => ({ name: instanceNameOf(p) }));
    const names = planNewInstances(service, named, unnamed.length, 0);
    for (const [i, pod] of unnamed.entries()) await patchPod(target, pod, { labels: { [INSTANCE_LABEL]: names[i].name } });
  });
}

function rolloutState(target: DeploymentTarget, d: k8s.V1Deployment): RolloutState {
  return {
    generation: d.metadata?.generation ?? 0,
    replicas: d.spec?.replicas ?? 0,
    version: imageTag(containerOf(target, d).container.image ?? ''),
  };
}

/** `kubectl rollout undo`: the Pod template of the ReplicaSet that ran `version` before, unpaused. */
async function rollBack(
  target: DeploymentTarget,
  request: { service: string; version: string },
): Promise<RolloutState & { changed: boolean }> {
  return withConflictRetry(async () => {
    const d = await readDeployment(target, request.service);
    const current = containerOf(target, d).container;
    if (imageTag(current.image ?? '') === request.version && !d.spec?.paused) return { ...rolloutState(target, d), changed: false };
    const labelSelector = selectorOf(d);
    const sets = await call(target.api, 'list', 'replicasets', () =>
      target.api.apps.listNamespacedReplicaSet({ namespace: target.api.namespace, labelSelector }),
    );
    const previous = sets.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid))
      .filter((rs) =>
        rs.spec?.template?.spec?.containers.some((c) => c.name === current.name && imageTag(c.image ?? '') === request.version),
      )
      .sort((a, b) => Number(b.metadata?.annotations?.[REVISION] ?? 0) - Number(a.metadata?.annotations?.[REVISION] ?? 0))[0];
    if (!previous?.spec?.template) {
      throw permanentFailure(
        FailureType.OrchestratorResourceMissing,
        `no ReplicaSet of deployments/${d.metadata?.name} ran ${request.version}; cannot roll back`,
      );
    }
    const template = structuredClone(previous.spec.template);
    delete template.metadata?.labels?.['pod-template-hash'];
    const patched = await patchDeployment(target, d, { spec: { template, paused: false } });
    return { ...rolloutState(target, patched), changed: true };
  });
}

export function createKubernetesRollout(target: DeploymentTarget) {
  const state = (d: k8s.V1Deployment) => rolloutState(target, d);

  return {
    /** `kubectl set image deployment/<name> <container>=<image>:<version>`, once: a retry finds the image already set. */
    async startDeploymentRollout(request: {
      service: string;
      version: string;
    }): Promise<RolloutState & { changed: boolean; from: string }> {
      guardServiceName(request.service);
      guardVersion(request.version);
      return withConflictRetry(async () => {
        const d = await readDeployment(target, request.service);
        const { container } = containerOf(target, d);
        const from = imageTag(container.image ?? '');
        if (from === request.version) return { ...state(d), changed: false, from };
        const image = imageWithTag(container.image ?? '', request.version);
        const body = { spec: { template: { spec: { containers: [{ name: container.name, image }] } } } };
        // A strategic merge patch keys containers by name; the merge-patch helper would replace the list.
        const name = d.metadata?.name ?? '';
        const patched = await call(target.api, 'patch', `deployments/${name}`, () =>
          target.api.apps.patchNamespacedDeployment(
            { name, namespace: target.api.namespace, body: { ...body, metadata: { resourceVersion: d.metadata?.resourceVersion } } },
            strategicMerge,
          ),
        );
        return { ...state(patched), changed: true, from };
      });
    },

    async waitForDeploymentRollout(wait: RolloutWait): Promise<RolloutState & { updated: number; available: number }> {
      const d = await waitFor(target.api, deploymentWatch(target, wait.service), {
        decide: (items) => {
          const current = [...items.values()][0];
          return rolloutDone(current, wait) ? current : undefined;
        },
        deadlineEpochMs: wait.deadlineEpochMs,
        timeoutError: (items) => {
          const s = [...items.values()][0]?.status;
          return permanentFailure(
            FailureType.InstanceUnhealthy,
            `the rollout did not finish in time: ${s?.updatedReplicas ?? 0} updated, ${s?.availableReplicas ?? 0} available, ${s?.unavailableReplicas ?? 0} unavailable`,
          );
        },
        progress: (items) => {
          const s = [...items.values()][0]?.status;
          return { updated: s?.updatedReplicas ?? 0, available: s?.availableReplicas ?? 0 };
        },
      });
      if (wait.updatedAtLeast === undefined) await nameNewPods(target, wait.service);
      return { ...state(d), updated: d.status?.updatedReplicas ?? 0, available: d.status?.availableReplicas ?? 0 };
    },

    /** `kubectl rollout pause|resume`: the Deployment's spec.paused. */
    async setDeploymentPaused(request: { service: string; paused: boolean }): Promise<{ changed: boolean }> {
      return withConflictRetry(async () => {
        const d = await readDeployment(target, request.service);
        if (Boolean(d.spec?.paused) === request.paused) return { changed: false };
        await patchDeployment(target, d, { spec: { paused: request.paused } });
        return { changed: true };
      });
    },

    /** `kubectl rollout undo`: the Pod template of the ReplicaSet that ran `version` before, unpaused. */
    rollBackDeployment: (request: { service: string; version: string }) => rollBack(target, request),
  };
}
