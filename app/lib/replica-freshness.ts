// What the database router knows of each replica: whether it is in recovery, how far it
// has replayed, how far behind it is in time, and whether its last probe failed. A probe
// round samples the primary's WAL position and every replica's replay position together.
import type { InstanceMetrics } from './metrics';
import { formatLsn, parseLsn } from './lsn';
import type { PoolTarget } from './pg-pools';
import { createLagEstimator } from './replica-lag';

export interface ReplicaFreshnessOptions {
  maxLagMs: number;
  sampleIntervalMs: number;
  metrics?: Pick<InstanceMetrics, 'dbConnectionsActive' | 'replicaLagSeconds'>;
  onError?: (error: Error) => void;
}

interface ReplicaState {
  inRecovery: boolean;
  replayLsn?: bigint;
  checkedAtMs: number;
  lagMs: number;
  error?: string;
}

export function createReplicaFreshness(options: ReplicaFreshnessOptions) {
  const states = new Map<string, ReplicaState>();
  const lag = createLagEstimator();
  const staleAfterMs = Math.max(2_000, options.sampleIntervalMs * 4);

  function markFailed(name: string, error: unknown): void {
    states.set(name, { inRecovery: false, checkedAtMs: Date.now(), lagMs: Number.POSITIVE_INFINITY, error: (error as Error).message });
  }

  async function samplePrimary(primary: PoolTarget): Promise<void> {
    const nowMs = Date.now();
    try {
      const {
        rows: [row],
      } = await primary.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const lsn = parseLsn(row?.lsn);
      if (lsn !== undefined) lag.addPrimarySample({ atMs: nowMs, lsn });
    } catch (error) {
      options.onError?.(error as Error);
    }
  }

  async function sampleReplica(replica: PoolTarget): Promise<void> {
    try {
      const { rows } = await replica.pool.query<{ rec: boolean; lsn: string | null }>(
        'SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn()::text AS lsn',
      );
      const replayLsn = parseLsn(rows[0]?.lsn);
      const at = Date.now();
      const lagMs = replayLsn === undefined ? Number.POSITIVE_INFINITY : lag.lagMs(replayLsn, at);
      states.set(replica.name, { inRecovery: rows[0]?.rec === true, replayLsn, checkedAtMs: at, lagMs });
      options.metrics?.replicaLagSeconds.set({ replica: replica.name }, Number.isFinite(lagMs) ? lagMs / 1000 : 3600);
    } catch (error) {
      markFailed(replica.name, error);
    }
  }

  return {
    /** One probe round: the primary's WAL position first, then every replica at once. */
    async sample(primary: PoolTarget, replicas: PoolTarget[]): Promise<void> {
      await samplePrimary(primary);
      await Promise.all(replicas.map(sampleReplica));
      for (const t of [primary, ...replicas])
        options.metrics?.dbConnectionsActive.set({ role: t.name }, t.pool.totalCount - t.pool.idleCount);
    },

    /** Replicas in recovery, freshly probed, lagging less than maxLagMs, and (with minLsn) replayed that far. */
    eligible(replicas: PoolTarget[], minLsn: bigint | undefined, nowMs: number): PoolTarget[] {
      return replicas.filter((r) => {
        const s = states.get(r.name);
        if (!s || !s.inRecovery || s.error || nowMs - s.checkedAtMs > staleAfterMs) return false;
        if (s.lagMs > options.maxLagMs) return false;
        if (minLsn !== undefined && (s.replayLsn === undefined || s.replayLsn < minLsn)) return false;
        return true;
      });
    },

    /** A replica that fails a query is left out until its next good probe. */
    markFailed,

    /** Forgets every replica (a new topology). */
    clear: () => states.clear(),

    describe(replica: PoolTarget) {
      const s = states.get(replica.name);
      return {
        lagMs: s ? (Number.isFinite(s.lagMs) ? s.lagMs : null) : null,
        replayLsn: s?.replayLsn === undefined ? null : formatLsn(s.replayLsn),
        error: s?.error ?? null,
      };
    },
  };
}
