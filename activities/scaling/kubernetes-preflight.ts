// What the worker checks before it serves with ORCHESTRATOR=kubernetes, so a wrong setting
// stops start-up with one clear line instead of failing every operation later: the kubeconfig
// loads, the API server answers, each service's Deployment exists with its container, and no
// HorizontalPodAutoscaler owns its replica count. It only reads.
import type { WorkerConfig } from '../../config/worker-config';
import { createKubernetesApi } from './kubernetes-api';
import { containerOf, imageTag, readDeployment, refuseWhenAutoscaled, type DeploymentTarget } from './kubernetes-deployment';

export async function checkKubernetesTarget(config: WorkerConfig): Promise<string> {
  const api = createKubernetesApi(config.kubernetes);
  const target: DeploymentTarget = {
    api,
    deploymentName: (service) => (service === config.services[0] ? config.kubernetes.deploymentName : service),
    containerName: config.kubernetes.containerName,
    services: config.services,
  };
  const found: string[] = [];
  for (const service of config.services) {
    const deployment = await readDeployment(target, service);
    const { container } = containerOf(target, deployment);
    await refuseWhenAutoscaled(target, service);
    found.push(`deployments/${deployment.metadata?.name} (${deployment.spec?.replicas ?? 0} replicas, ${imageTag(container.image ?? '')})`);
  }
  return `Kubernetes ${api.server}, namespace ${api.namespace}: ${found.join(', ')}`;
}
