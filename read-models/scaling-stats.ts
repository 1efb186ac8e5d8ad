// Scaling statistics computed from Temporal visibility (policy/scaling/scaling-stats.ts does the
// arithmetic): the CLI's `stats` and the admin API's /api/admin/metrics read them here.
import type { Client } from '@temporalio/client';
import { aggregateScalingStats, SCALING_OPERATION_TYPES, type ScalingStats } from '../policy/scaling/scaling-stats';
import { listOperations } from './visibility';

/** Over every service, or one. */
export async function scalingStats(client: Client, service?: string): Promise<ScalingStats> {
  const records = await listOperations(client, { service, types: SCALING_OPERATION_TYPES });
  return aggregateScalingStats(records, Date.now());
}

/** Over every service, and for each of `services` apart, from one visibility read. */
export async function scalingStatsByService(
  client: Client,
  services: string[],
): Promise<ScalingStats & { services: Record<string, ScalingStats> }> {
  const records = await listOperations(client, { types: SCALING_OPERATION_TYPES });
  const nowMs = Date.now();
  const perService = Object.fromEntries(
    services.map((s) => [
      s,
      aggregateScalingStats(
        records.filter((r) => r.service === s),
        nowMs,
      ),
    ]),
  );
  return { ...aggregateScalingStats(records, nowMs), services: perService };
}
