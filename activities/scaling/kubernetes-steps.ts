// The scaling workflows' per-instance steps as they are on Kubernetes, under the same
// activity names and signatures, so scaleUp, scaleDown, drainInstance and rollingUpdate run
// unchanged. Health is the API's Ready condition and the Deployment's availableReplicas,
// watched, never a request to a Pod (Pod addresses are not ours to contact). The Service
// is the load balancer: a Ready Pod is in it and a terminating one is out of it, so the nginx
// steps have nothing to do, and Kubernetes' own graceful termination (SIGTERM, then
// terminationGracePeriodSeconds) is the drain.
import type * as k8s from '@kubernetes/client-node';
import type { ServiceSpec } from '../../contracts/scaling';
import { FailureType, permanentFailure } from '../common/errors';
import type { WaitForHealthyRequest, WaitForHealthyResult } from './health';
import type { ServedCheckRequest } from '../routing/load-balancer-check';
import type { UpstreamChange } from '../routing/nginx';
import type { InstanceAddress } from './instance-admin';
import {
  containerOf,
  deploymentWatch,
  imageTag,
  instanceNameOf,
  isReady,
  podName,
  podsOf,
  readDeployment,
  type DeploymentTarget,
} from './kubernetes-deployment';
import { waitFor } from './kubernetes-watch';

function serviceOf(target: DeploymentTarget, name: string): string {
  return target.services.find((s) => name.startsWith(`${s}-`)) ?? target.services[0];
}

function conditionsOf(pod: k8s.V1Pod | undefined): string {
  if (!pod) return 'no such Pod';
  const conditions = (pod.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  return `phase ${pod.status?.phase ?? 'unknown'}, ${conditions.join(', ') || 'no conditions'}`;
}

/** Ready, by the Pod's Ready condition, then the Deployment's availableReplicas up to its replicas. */
async function waitForPodReady(target: DeploymentTarget, request: WaitForHealthyRequest): Promise<WaitForHealthyResult> {
  const startedAt = Date.now();
  const service = serviceOf(target, request.name);
  const deployment = await readDeployment(target, service);
  let events = 0;
  const pod = await waitFor(target.api, podsOf(target, deployment), {
    decide: (pods) => {
      events += 1;
      return [...pods.values()].find((p) => instanceNameOf(p) === request.name && isReady(p));
    },
    deadlineEpochMs: request.deadlineEpochMs,
    timeoutError: (pods) => {
      const current = [...pods.values()].find((p) => instanceNameOf(p) === request.name);
      return permanentFailure(
        FailureType.InstanceUnhealthy,
        `Pod ${current ? podName(current) : request.name} is not Ready: ${conditionsOf(current)}`,
      );
    },
    progress: () => ({ attempts: events, lastAnswer: 'waiting for the Ready condition' }),
  });
  await waitFor(target.api, deploymentWatch(target, service), {
    decide: (items) => {
      const d = [...items.values()][0];
      const caughtUp = d && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
      return caughtUp && (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 0) ? true : undefined;
    },
    deadlineEpochMs: request.deadlineEpochMs,
    timeoutError: (items) => {
      const d = [...items.values()][0];
      return permanentFailure(
        FailureType.InstanceUnhealthy,
        `${podName(pod)} is Ready but deployments/${d?.metadata?.name} has ${d?.status?.availableReplicas ?? 0} of ${d?.spec?.replicas} replicas available`,
      );
    },
    progress: () => ({ attempts: events, lastAnswer: `${podName(pod)} Ready; waiting for availableReplicas` }),
  });
  return { attempts: events, lastAnswer: `Pod ${podName(pod)} Ready`, healthyAfterMs: Date.now() - startedAt };
}

export function createKubernetesSteps(target: DeploymentTarget, base: (service: string) => Promise<ServiceSpec>) {
  const noUpstream = async (): Promise<UpstreamChange> => ({ members: [], changed: false, reloaded: false });
  return {
    /** The version is the Deployment's image tag; `rollout: deployment` takes rollingUpdate down the Deployment's own rollout. */
    async describeService(service: string): Promise<ServiceSpec> {
      const spec = await base(service);
      const deployment = await readDeployment(target, service);
      const { container } = containerOf(target, deployment);
      const port = container.ports?.[0]?.containerPort;
      return { ...spec, version: imageTag(container.image ?? ''), basePort: port ?? spec.basePort, rollout: 'deployment' };
    },
    waitForHealthy: (request: WaitForHealthyRequest) => waitForPodReady(target, request),
    ensureUpstreamMember: noUpstream,
    removeUpstreamMember: noUpstream,
    syncScrapeTargets: async () => ({ changed: false }),
    /** The Service sends traffic to Ready Pods: the check is that the Pod is Ready now, asked of the API. */
    async checkServedThroughLoadBalancer(request: ServedCheckRequest): Promise<{ requests: number }> {
      const deployment = await readDeployment(target, serviceOf(target, request.name));
      const pods = (await podsOf(target, deployment).list()).items;
      const pod = pods.find((p) => instanceNameOf(p) === request.name);
      if (!pod || !isReady(pod)) {
        throw permanentFailure(
          FailureType.NotServedThroughLoadBalancer,
          `Pod for ${request.name} is not Ready, so no Service sends it traffic: ${conditionsOf(pod)}`,
        );
      }
      return { requests: 0 };
    },
    async requestDrain(_instance: InstanceAddress): Promise<{ reachable: boolean; status?: string }> {
      return { reachable: false, status: 'drained by Kubernetes on termination' };
    },
    async waitForConnectionsDrained(_instance: InstanceAddress & { deadlineEpochMs: number }) {
      return { polls: 0, activeConnections: 0, inFlightRequests: 0, drained: true };
    },
  };
}
