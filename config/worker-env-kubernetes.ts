// The kubernetes driver (ORCHESTRATOR=kubernetes): which Deployment holds the instances, in
// which namespace, and how to reach the API server.
import { z } from 'zod';
import { doc } from './env-kit';

/** A DNS-1123 label, what Kubernetes accepts as a Deployment or namespace name. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const dnsName = (what: string) =>
  z.string().regex(DNS1123_LABEL, `must be a DNS-1123 name (lowercase letters, digits, '-'; at most 63) of ${what}`);

export const kubernetesEnv = {
  K8S_DEPLOYMENT_NAME: doc(
    dnsName('the Deployment').default('jarvis-app'),
    "the Deployment whose Pods are the first service's instances (`ORCHESTRATOR=kubernetes`); other services use their own name",
  ),
  K8S_NAMESPACE: doc(dnsName('the namespace').default('default'), 'the namespace of the Deployment'),
  KUBECONFIG: doc(
    z.string().min(1).optional(),
    "the kubeconfig the kubernetes driver uses (its current context's cluster and user); unset inside a Pod: the service account's token",
    'the in-cluster service account',
  ),
  K8S_CONTAINER_NAME: doc(
    dnsName('the container').default('jarvis'),
    'the container whose image a rolling update sets (as `kubectl set image deployment/jarvis-app jarvis=…`)',
  ),
};
