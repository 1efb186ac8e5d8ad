// PostgreSQL's contracts: the failover mutex, the approval signal, and the records the
// control activities return to pgFailover and pgSwitchover.
import { defineSignal } from '@temporalio/workflow';

/** One failover or switchover per cluster at a time. */
export function pgFailoverMutexId(cluster: string): string {
  return `pg-failover/${cluster}`;
}

/** An operator approves a failover whose candidate lags more than the threshold (or when approval is required). */
export const approveFailoverSignal = defineSignal<[{ approvedBy?: string }]>('approveFailover');

/** What fencePgServer did to the old primary. */
export interface FenceRecord {
  name: string;
  /** How the old primary was stopped. */
  stop: 'already-stopped' | 'fast' | 'immediate' | 'killed' | 'not-stoppable';
  /** standby.signal written, so any restart comes back read-only. */
  standbySignal: boolean;
  /** Standbys whose primary_conninfo was cleared: nothing can acknowledge the old primary's writes. */
  detached: string[];
  /** Standbys that could not be reached to detach (they were not streaming from it either). */
  unreachable: string[];
}

/** What rejoinPgServer did to bring a server back as a standby of the new primary. */
export interface RejoinResult {
  name: string;
  to: string;
  method: 'already-streaming' | 'rewind' | 'no-rewind-needed' | 'basebackup';
  rewindError?: string;
  seconds: number;
}

/** The one PostgreSQL monitor of a cluster: a long-running workflow, started idempotently under this ID (its mutex). */
export function pgMonitorId(cluster: string): string {
  return `pg-monitor/${cluster}`;
}
