// jarvis_db_replication_lag_seconds on the worker's own /metrics (workers/metrics/worker-metrics.ts).
import { Gauge } from 'prom-client';
import { writableServers, type ClusterObservation } from '../../policy/postgres/pg-cluster';
import { workerRegistry } from '../../workers/metrics/worker-metrics';

const lagGauge =
  (workerRegistry.getSingleMetric('jarvis_db_replication_lag_seconds') as Gauge<'cluster' | 'server'> | undefined) ??
  new Gauge({
    name: 'jarvis_db_replication_lag_seconds',
    help: 'Replay lag of each standby behind the primary, from pg_stat_replication.replay_lag (0 when idle and caught up)',
    labelNames: ['cluster', 'server'],
    registers: [workerRegistry],
  });

export function createPgMetricsActivities() {
  return {
    /** Sets the gauge for each standby streaming from the one writable server; forgets the others. */
    async recordPgReplicationLag(observation: ClusterObservation): Promise<Record<string, number>> {
      const writable = writableServers(observation.servers);
      const lags: Record<string, number> = {};
      if (writable.length === 1) {
        for (const row of writable[0].replication ?? [])
          if (row.state === 'streaming') lags[row.applicationName] = row.replayLagSeconds ?? 0;
      }
      for (const server of observation.servers) {
        if (server.name in lags) lagGauge.set({ cluster: observation.cluster, server: server.name }, lags[server.name]);
        else lagGauge.remove({ cluster: observation.cluster, server: server.name });
      }
      return lags;
    },
  };
}
