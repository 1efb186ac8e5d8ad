// Reads what instances report about themselves from the registry in the Redis Cluster,
// as samples for the autoscale policy.
import type { Cluster } from 'ioredis';
import { createInstanceRegistry } from '../../shared/instance-registry';
import type { InstanceSample } from '../../policy/scaling/autoscale';

export function createInstanceMetrics(redis: () => Cluster) {
  return {
    async readInstanceSamples(service: string): Promise<InstanceSample[]> {
      const records = await createInstanceRegistry(redis(), { service }).getAllInstances();
      return records
        .map((r) => ({
          id: r.id,
          status: r.status,
          cpuPercent: r.cpuPercent,
          memoryPercent: r.memoryPercent,
          requestRate: r.requestRate,
          activeConnections: r.activeConnections,
          updatedAtMs: Date.parse(r.updatedAt),
        }))
        .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    },
  };
}
