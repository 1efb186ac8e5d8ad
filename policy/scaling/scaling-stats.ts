// Scaling statistics (the seed's getStats()) aggregated from Temporal visibility records.
// Pure: the records and `nowMs` come in, so the figures can never drift from what Temporal
// holds, and the table test can state every case.

/** The visibility statuses, as the SDK names them. */
export type OperationStatus =
  'UNSPECIFIED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'PAUSED' | 'UNKNOWN';

export interface OperationRecord {
  workflowId: string;
  type: string;
  service?: string;
  status: OperationStatus;
  startMs: number;
  closeMs?: number;
}

export type Outcome = 'success' | 'failure' | 'cancelled' | 'running';

/** Cancelled is neither: an operator stopped it (the tests cancel scaleUp in its cooldown). */
export function outcomeOf(status: OperationStatus): Outcome {
  if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') return 'success';
  if (status === 'CANCELLED') return 'cancelled';
  if (status === 'RUNNING' || status === 'PAUSED') return 'running';
  return 'failure';
}

export const SCALING_OPERATION_TYPES = ['scaleUp', 'scaleDown', 'drainInstance', 'rollingUpdate'] as const;

export interface ScalingStats {
  totalScaleUps: number;
  totalScaleDowns: number;
  failedScaleOps: number;
  /** Seconds, over operations that succeeded; a scaleUp's cooldown is part of its run. Null with none. */
  averageScaleDuration: number | null;
  /** The latest operation to start, running or not. */
  lastScaleEvent: { workflowId: string; type: string; service?: string; outcome: Outcome; at: string } | null;
  /**
   * Share of the window (since the first record, or windowStartMs) in which the service was
   * not left broken by a scaling operation: from a failed operation's close until the next
   * successful one closes counts as down.
   */
  uptimePercent: number;
}

export function aggregateScalingStats(records: OperationRecord[], nowMs: number, windowStartMs?: number): ScalingStats {
  const scaling = records.filter((r) => (SCALING_OPERATION_TYPES as readonly string[]).includes(r.type));
  const count = (type: string) => scaling.filter((r) => r.type === type).length;
  const succeeded = scaling.filter((r) => outcomeOf(r.status) === 'success' && r.closeMs !== undefined);
  const durations = succeeded.map((r) => ((r.closeMs as number) - r.startMs) / 1000);
  const latest = [...scaling].sort((a, b) => b.startMs - a.startMs)[0];
  return {
    totalScaleUps: count('scaleUp'),
    totalScaleDowns: count('scaleDown'),
    failedScaleOps: scaling.filter((r) => outcomeOf(r.status) === 'failure').length,
    averageScaleDuration: durations.length ? round(durations.reduce((a, b) => a + b, 0) / durations.length, 3) : null,
    lastScaleEvent: latest
      ? {
          workflowId: latest.workflowId,
          type: latest.type,
          service: latest.service,
          outcome: outcomeOf(latest.status),
          at: new Date(latest.startMs).toISOString(),
        }
      : null,
    uptimePercent: uptimePercent(scaling, nowMs, windowStartMs),
  };
}

function uptimePercent(scaling: OperationRecord[], nowMs: number, windowStartMs?: number): number {
  const closed = scaling
    .filter((r) => r.closeMs !== undefined && outcomeOf(r.status) !== 'running' && outcomeOf(r.status) !== 'cancelled')
    .sort((a, b) => (a.closeMs as number) - (b.closeMs as number));
  const start = windowStartMs ?? Math.min(nowMs, ...scaling.map((r) => r.startMs));
  const window = nowMs - start;
  if (window <= 0) return 100;
  let downSince: number | undefined;
  let down = 0;
  for (const r of closed) {
    const at = Math.max(start, Math.min(nowMs, r.closeMs as number));
    if (outcomeOf(r.status) === 'failure') downSince ??= at;
    else if (downSince !== undefined) {
      down += at - downSince;
      downSince = undefined;
    }
  }
  if (downSince !== undefined) down += nowMs - downSince;
  return round(100 * (1 - down / window), 2);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Duration of a closed operation in seconds; undefined while it runs. */
export function durationSeconds(record: OperationRecord): number | undefined {
  return record.closeMs === undefined ? undefined : (record.closeMs - record.startMs) / 1000;
}
