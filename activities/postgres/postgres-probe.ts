// Probes every server of the cluster: reachable, pg_is_in_recovery(), LSNs, timeline,
// pg_stat_replication and pg_stat_wal_receiver. Read-only, apart from storing the lag
// reference (the primary's WAL position) that policy/postgres/pg-lag-reference.ts says to store.
import type { WorkerConfig } from '../../config/worker-config';
import type { ClusterObservation, ReplicationRow, ServerProbe } from '../../policy/postgres/pg-cluster';
import { planLagReference } from '../../policy/postgres/pg-lag-reference';
import { createPgMetricsActivities } from './pg-metrics';
import { createPgWatchActivity } from './pg-monitor-watch';
import { createPgTopologyActivities } from './pg-topology';
import { pgServers, withSuperuser, type PgServer } from './postgres-servers';
import { readLastPrimaryLsn, readTopologyFile, writeLastPrimaryLsn } from './pg-topology-file';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function probeServer(config: WorkerConfig, server: PgServer): Promise<ServerProbe> {
  const base = { name: server.name, host: server.host, port: server.port };
  try {
    return await withSuperuser(config.postgres, server, async (client) => {
      const state = await client.query(`
        SELECT pg_is_in_recovery() AS in_recovery,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
               pg_last_wal_receive_lsn()::text AS receive_lsn,
               pg_last_wal_replay_lsn()::text AS replay_lsn,
               CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())
                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline`);
      const receiver = await client.query(`
        SELECT status, sender_port, received_tli,
               extract(epoch FROM now() - last_msg_receipt_time)::float8 AS age
        FROM pg_stat_wal_receiver`);
      const replication = await client.query(`
        SELECT application_name, state, sync_state, replay_lsn::text AS replay_lsn,
               extract(epoch FROM replay_lag)::float8 AS replay_lag
        FROM pg_stat_replication ORDER BY application_name`);
      const s = state.rows[0];
      const r = receiver.rows[0];
      const rows: ReplicationRow[] = replication.rows.map((row) => ({
        applicationName: row.application_name,
        state: row.state,
        syncState: row.sync_state,
        replayLsn: row.replay_lsn,
        replayLagSeconds: num(row.replay_lag),
      }));
      return {
        ...base,
        reachable: true,
        inRecovery: s.in_recovery,
        timeline: r?.received_tli ? Number(r.received_tli) : (num(s.timeline) ?? undefined),
        currentLsn: s.current_lsn,
        receiveLsn: s.receive_lsn,
        replayLsn: s.replay_lsn,
        walReceiver: r ? { status: r.status, senderPort: num(r.sender_port), lastMessageAgeSeconds: num(r.age) } : null,
        replication: rows,
      } satisfies ServerProbe;
    });
  } catch (error) {
    return { ...base, reachable: false, error: (error as Error).message.slice(0, 200) };
  }
}

export function createPgProbeActivities(config: WorkerConfig) {
  async function observePgCluster(cluster: string): Promise<ClusterObservation> {
    const observedAtMs = Date.now();
    const servers = await Promise.all(pgServers(config.postgres).map((s) => probeServer(config, s)));
    const [topology, stored] = await Promise.all([readTopologyFile(config.stateDir), readLastPrimaryLsn(config.stateDir)]);
    const published = topology?.cluster === cluster ? topology : null;
    const plan = planLagReference(servers, stored, published);
    if (plan.write) await writeLastPrimaryLsn(config.stateDir, plan.write.primary, plan.write.lsn);
    return { cluster, observedAtMs, servers, published, lastKnownPrimaryLsn: plan.lastKnownPrimaryLsn };
  }
  const watch = createPgWatchActivity({
    observe: observePgCluster,
    publish: createPgTopologyActivities(config).publishPgTopology,
    recordLag: createPgMetricsActivities().recordPgReplicationLag,
  });
  return { observePgCluster, ...watch };
}
