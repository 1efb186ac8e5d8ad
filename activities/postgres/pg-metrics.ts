// Replication lag per standby, handed to whoever exports it: the worker passes in a gauge on its
// own registry (workers/metrics/pg-metrics.ts), so activities never reach up into the worker.
import { writableServers, type ClusterObservation } from '../../policy/postgres/pg-cluster';

type LagLabels = { cluster: string; server: string };

/** Where the lags go; prom-client's Gauge<'cluster' | 'server'> fits as it is. */
export interface ReplicationLagGauge {
  set(labels: LagLabels, value: number): void;
  remove(labels: LagLabels): void;
}

/** Without a gauge the lags are only returned (test workers export nothing). */
export function createPgMetricsActivities(lagGauge?: ReplicationLagGauge) {
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
        if (server.name in lags) lagGauge?.set({ cluster: observation.cluster, server: server.name }, lags[server.name]);
        else lagGauge?.remove({ cluster: observation.cluster, server: server.name });
      }
      return lags;
    },
  };
}
