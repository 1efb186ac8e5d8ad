// Where a slot migration spends its time, per phase (state reads, SETSLOT, GETKEYSINSLOT,
// MIGRATE, sampling, heartbeats, telling the other masters). Phases overlap when slots run
// concurrently, so the figures are summed busy time, not shares of the wall clock; `wall`
// is the activity's own elapsed time, which the workflow compares with its elapsed time to
// see what activity scheduling costs.
export type MigratePhase = 'stateRead' | 'setslot' | 'getkeys' | 'migrate' | 'sample' | 'heartbeat' | 'others' | 'wall';

export type PhaseMs = Partial<Record<MigratePhase, number>>;

export class PhaseClock {
  readonly ms: PhaseMs = {};
  readonly calls: Partial<Record<MigratePhase, number>> = {};

  async time<T>(phase: MigratePhase, work: () => Promise<T>): Promise<T> {
    const began = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - began);
    }
  }

  add(phase: MigratePhase, ms: number): void {
    this.ms[phase] = (this.ms[phase] ?? 0) + ms;
    this.calls[phase] = (this.calls[phase] ?? 0) + 1;
  }

  /** Whole milliseconds, for a plain-JSON activity result. */
  rounded(): PhaseMs {
    return Object.fromEntries(Object.entries(this.ms).map(([k, v]) => [k, Math.round(v)])) as PhaseMs;
  }
}

/** Adds one activity's phase times into a running total (workflow state). */
export function addPhases(total: PhaseMs, more: PhaseMs | undefined): PhaseMs {
  for (const [k, v] of Object.entries(more ?? {})) total[k as MigratePhase] = (total[k as MigratePhase] ?? 0) + (v ?? 0);
  return total;
}
