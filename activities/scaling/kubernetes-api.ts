// The Kubernetes API as the kubernetes driver uses it: the kubeconfig (KUBECONFIG or the
// in-cluster service account), typed clients, merge patches that carry a resourceVersion
// (the API refuses them with 409 when the object changed since it was read), and errors that
// name the resource and the verb. A 403 or a 404 is a fact a retry cannot change: non-retryable.
import * as k8s from '@kubernetes/client-node';
import { FailureType, permanentFailure } from '../common/errors';
import type { KubernetesSettings } from '../../config/worker-config-types';

export interface KubernetesApi {
  kc: k8s.KubeConfig;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  autoscaling: k8s.AutoscalingV2Api;
  namespace: string;
  server: string;
}

/** Loads the kubeconfig; a file that is missing, malformed or has no cluster gives a message naming KUBECONFIG. */
export function loadKubeConfig(settings: Pick<KubernetesSettings, 'kubeconfig'>): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    if (settings.kubeconfig) kc.loadFromFile(settings.kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else throw new Error('not set, and not running in a Pod (no KUBERNETES_SERVICE_HOST)');
  } catch (error) {
    throw new Error(`KUBECONFIG ${settings.kubeconfig ?? ''}: cannot load it: ${(error as Error).message}`.replace('  ', ' '));
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error(`KUBECONFIG ${settings.kubeconfig}: its current context names no cluster with a server`);
  if (!kc.getCurrentUser()) throw new Error(`KUBECONFIG ${settings.kubeconfig}: its current context names no user`);
  return kc;
}

export function createKubernetesApi(settings: KubernetesSettings): KubernetesApi {
  const kc = loadKubeConfig(settings);
  return {
    kc,
    apps: kc.makeApiClient(k8s.AppsV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
    autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
    namespace: settings.namespace,
    server: kc.getCurrentCluster()?.server ?? '',
  };
}

export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
/** Keys lists such as containers by name, so one container's image changes and the rest stay. */
export const strategicMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

export function statusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

function apiMessage(error: k8s.ApiException<unknown>): string {
  const body = error.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? error.message;
}

/**
 * Runs one API call, naming what it does in any error: "get deployments/jarvis-app in namespace
 * jarvis". Forbidden and not-found are non-retryable; an unreachable server is retryable (it may
 * be restarting) but says which server.
 */
export async function call<T>(api: KubernetesApi, verb: string, resource: string, run: () => Promise<T>): Promise<T> {
  const what = `${verb} ${resource} in namespace ${api.namespace}`;
  try {
    return await run();
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      if (error.code === 403) throw permanentFailure(FailureType.PermissionDenied, `Kubernetes RBAC forbids ${what}: ${apiMessage(error)}`);
      if (error.code === 404) {
        throw permanentFailure(
          FailureType.OrchestratorResourceMissing,
          `Kubernetes has no ${resource} in namespace ${api.namespace} (or no namespace ${api.namespace}): ${verb} answered ${apiMessage(error)}`,
        );
      }
      if (error.code === 401)
        throw permanentFailure(
          FailureType.PermissionDenied,
          `the Kubernetes API server ${api.server} refused the credentials (401) to ${what}`,
        );
      throw Object.assign(new Error(`Kubernetes answered ${error.code} to ${what}: ${apiMessage(error)}`), { code: error.code });
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    throw new Error(`the Kubernetes API server ${api.server} is unreachable (${cause ?? (error as Error).message}) to ${what}`);
  }
}

/** A conflict (409) means the object changed since it was read: read again and recompute. */
export async function withConflictRetry<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * i));
    }
  }
}
