// What the platform looks like right now, for the CLI's status, the admin API and the worker's
// instance gauges: each instance as the orchestrator, the registry and its health endpoint see it.
import type { Cluster } from 'ioredis';
import { createInstanceRegistry, type InstanceRecord } from '../shared/instance-registry';
import type { InstanceInfo, Orchestrator } from '../activities/scaling/orchestrator';

export interface InstanceView extends InstanceInfo {
  /** The registry's status (starting, ready, draining, stopping), or null without a record. */
  registryStatus: InstanceRecord['status'] | null;
  cpuPercent: number | null;
  memoryPercent: number | null;
  activeConnections: number | null;
  /** GET /api/health: 200 is healthy; null when it was not probed. On Kubernetes: the Pod's Ready condition. */
  health: { status: number | null; healthy: boolean; error?: string } | null;
}

async function probeHealth(host: string, port: number, timeoutMs: number): Promise<NonNullable<InstanceView['health']>> {
  try {
    const res = await fetch(`http://${host}:${port}/api/health`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { connection: 'close' },
    });
    await res.arrayBuffer();
    return { status: res.status, healthy: res.status === 200 };
  } catch (error) {
    return { status: null, healthy: false, error: (error as Error).message };
  }
}

export async function readRegistry(redis: Cluster | undefined, service: string): Promise<InstanceRecord[] | { error: string }> {
  if (!redis) return { error: 'no Redis connection' };
  try {
    return await createInstanceRegistry(redis, { service }).getAllInstances();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A Pod's health is its Ready condition, from the Kubernetes API: Pod addresses are never contacted. */
function readyFromApi(ready: boolean): NonNullable<InstanceView['health']> {
  return ready ? { status: null, healthy: true } : { status: null, healthy: false, error: 'Pod not Ready' };
}

export async function instanceViews(
  orchestrator: Pick<Orchestrator, 'listInstances'>,
  redis: Cluster | undefined,
  service: string,
  options: { probe: boolean; timeoutMs?: number } = { probe: true },
): Promise<{ instances: InstanceView[]; registryError?: string }> {
  const [listed, registry] = await Promise.all([orchestrator.listInstances(service), readRegistry(redis, service)]);
  const records = Array.isArray(registry) ? registry : [];
  const instances = await Promise.all(
    listed.map(async (i): Promise<InstanceView> => {
      const record = records.find((r) => r.id === i.name);
      return {
        ...i,
        registryStatus: record?.status ?? null,
        cpuPercent: record?.cpuPercent ?? null,
        memoryPercent: record?.memoryPercent ?? null,
        activeConnections: record?.activeConnections ?? null,
        health:
          i.ready !== undefined
            ? readyFromApi(i.ready)
            : options.probe && i.running
              ? await probeHealth(i.host, i.port, options.timeoutMs ?? 2_000)
              : null,
      };
    }),
  );
  return Array.isArray(registry) ? { instances } : { instances, registryError: registry.error };
}

/** The counts behind jarvis_instances_{total,ready,unhealthy}. */
export function instanceCounts(instances: InstanceView[]): { total: number; ready: number; unhealthy: number } {
  const ready = instances.filter((i) => i.running && (i.health ? i.health.healthy : i.registryStatus === 'ready')).length;
  const unhealthy = instances.filter(
    (i) => !i.running || (i.health ? !i.health.healthy && i.registryStatus !== 'draining' && i.registryStatus !== 'starting' : false),
  ).length;
  return { total: instances.length, ready, unhealthy };
}

export const PG_TOPOLOGY_KEY = 'jarvis:pg:topology:main';

export async function readPgTopology(redis: Cluster | undefined): Promise<unknown | null | { error: string }> {
  if (!redis) return { error: 'no Redis connection' };
  try {
    const text = await redis.get(PG_TOPOLOGY_KEY);
    return text ? (JSON.parse(text) as unknown) : null;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** CLUSTER INFO as a record of its fields (cluster_state, cluster_slots_ok, cluster_known_nodes, …). */
export async function readRedisClusterInfo(redis: Cluster | undefined): Promise<Record<string, string> | { error: string }> {
  if (!redis) return { error: 'no Redis connection' };
  try {
    const text = (await redis.cluster('INFO')) as unknown as string;
    return Object.fromEntries(
      text
        .split(/\r?\n/)
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':', 2) as [string, string]),
    );
  } catch (error) {
    return { error: (error as Error).message };
  }
}
