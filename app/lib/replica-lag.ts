// Estimates each replica's replay lag in time from LSN samples: the primary's WAL position
// is sampled on a timer, and a replica that has replayed up to LSN x lags by the age of the
// oldest primary sample beyond x. This needs no clock on the replicas and, unlike
// now() - pg_last_xact_replay_timestamp(), reads 0 on an idle primary. Pure; no I/O.

export interface LsnSample {
  atMs: number;
  lsn: bigint;
}

export function createLagEstimator(keepMs = 120_000) {
  const samples: LsnSample[] = [];
  return {
    addPrimarySample(sample: LsnSample): void {
      const last = samples[samples.length - 1];
      if (!last || sample.lsn > last.lsn) samples.push(sample);
      while (samples.length > 1 && samples[0].atMs < sample.atMs - keepMs) samples.shift();
    },
    /** Milliseconds the replica is behind at `nowMs`; 0 when it has replayed every sample. */
    lagMs(replayLsn: bigint, nowMs: number): number {
      const firstMissing = samples.find((s) => s.lsn > replayLsn);
      return firstMissing ? Math.max(0, nowMs - firstMissing.atMs) : 0;
    },
    latestPrimaryLsn(): bigint | undefined {
      return samples[samples.length - 1]?.lsn;
    },
  };
}
