// The whole platform at a glance, for `jarvis-scale status`: each service's instances and
// autoscaler, the operations running now with their progress, the PostgreSQL topology and the
// Redis Cluster's health and nodes.
import type { Client } from '@temporalio/client';
import type { OperationProgress } from '../contracts/common/progress';
import { autoscalerStatus, type AutoscalerStatus } from './autoscaler-status';
import { readHealthScores, type InstanceHealthScore } from './health-scores';
import type { Platform } from './platform';
import { instanceViews, readPgTopology, readRedisClusterInfo, type InstanceView } from './platform-view';
import { clusterNodes } from './redis-nodes';
import { listOperations, OPERATION_TYPES } from './visibility';

export interface ServiceStatus {
  service: string;
  instances: InstanceView[];
  /** One per instance, in the same order (health-scores.ts). */
  healthScores: InstanceHealthScore[];
  registryError?: string;
  autoscaler: {
    scheduleId: string;
    exists: boolean;
    paused: boolean | null;
    lastCheck: AutoscalerStatus['lastChecks'][number] | null;
  };
}

export interface RunningOperation {
  workflowId: string;
  type: string;
  service: string | null;
  startedAt: string;
  progress: OperationProgress | null;
}

export interface PlatformStatus {
  orchestrator: string;
  services: ServiceStatus[];
  operations: RunningOperation[];
  pgTopology: unknown;
  redisCluster: Record<string, string> | { error: string };
  redisNodes: Array<{ id: string; address: string; role: 'master' | 'replica'; slots: string }>;
}

async function serviceStatus(client: Client, platform: Platform, service: string): Promise<ServiceStatus> {
  const view = await instanceViews(platform.orchestrator, platform.redis(), service, { probe: true });
  const autoscaler = await autoscalerStatus(client, service, 1);
  return {
    service,
    ...view,
    healthScores: await readHealthScores(client, service, view.instances),
    autoscaler: {
      scheduleId: autoscaler.scheduleId,
      exists: autoscaler.exists,
      paused: autoscaler.paused,
      lastCheck: autoscaler.lastChecks[0] ?? null,
    },
  };
}

/** Operations under a mutex that run now, each with its answer to the progress query (null when it gives none). */
export async function runningOperations(client: Client): Promise<RunningOperation[]> {
  const running = await listOperations(client, { running: true, types: OPERATION_TYPES });
  return Promise.all(
    running.map(async (r) => ({
      workflowId: r.workflowId,
      type: r.type,
      service: r.service ?? null,
      startedAt: new Date(r.startMs).toISOString(),
      progress: await client.workflow
        .getHandle(r.workflowId)
        .query<OperationProgress>('progress')
        .catch(() => null),
    })),
  );
}

export async function readPlatformStatus(client: Client, platform: Platform, services: string[]): Promise<PlatformStatus> {
  const serviceViews: ServiceStatus[] = [];
  for (const service of services) serviceViews.push(await serviceStatus(client, platform, service));
  const redis = platform.redis();
  const nodes = redis ? await clusterNodes(redis).catch(() => []) : [];
  return {
    orchestrator: platform.driver,
    services: serviceViews,
    operations: await runningOperations(client),
    pgTopology: await readPgTopology(redis),
    redisCluster: await readRedisClusterInfo(redis),
    redisNodes: nodes.map((n) => ({
      id: n.id,
      address: n.address,
      role: n.flags.includes('master') ? 'master' : 'replica',
      slots: n.slots.join(' '),
    })),
  };
}
