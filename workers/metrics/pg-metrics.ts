// jarvis_db_replication_lag_seconds on the worker's own /metrics: the gauge the worker hands to
// the recordPgReplicationLag activity (activities/postgres/pg-metrics.ts), which sets it.
import { Gauge, type Registry } from 'prom-client';

const NAME = 'jarvis_db_replication_lag_seconds';

export function replicationLagGauge(registry: Registry): Gauge<'cluster' | 'server'> {
  return (
    (registry.getSingleMetric(NAME) as Gauge<'cluster' | 'server'> | undefined) ??
    new Gauge({
      name: NAME,
      help: 'Replay lag of each standby behind the primary, from pg_stat_replication.replay_lag (0 when idle and caught up)',
      labelNames: ['cluster', 'server'],
      registers: [registry],
    })
  );
}
