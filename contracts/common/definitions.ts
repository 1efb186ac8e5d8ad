// Queries and signals shared by the workflows and their callers (CLI, tests).
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface OperationProgress {
  /** A short machine-readable step name, such as "health-wait". */
  step: string;
  /** The same line the Temporal UI shows as the workflow's current details. */
  detail: string;
  done: string[];
}

export const progressQuery = defineQuery<OperationProgress>('progress');

export interface RollingUpdateProgress extends OperationProgress {
  version: string;
  total: number;
  /** Pairs of the old instance and the one that replaced it. */
  replaced: Array<{ old: string; new: string }>;
  paused: boolean;
  rollingBack: boolean;
}

export const rollingUpdateProgressQuery = defineQuery<RollingUpdateProgress>('rollingUpdateProgress');
/** Pause at the next instance boundary; the instance being replaced finishes first. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stop and roll every replaced instance back to its old version. */
export const abortSignal = defineSignal<[reason?: string]>('abort');
/** An operator approves a failover whose candidate lags more than the threshold (or when approval is required). */
export const approveFailoverSignal = defineSignal<[{ approvedBy?: string }]>('approveFailover');

export interface HealthRouterProgress extends OperationProgress {
  service: string;
  /** Rounds over every run of this workflow ID (continueAsNew included), and this run's number. */
  rounds: number;
  run: number;
  reloadsApplied: number;
  reloadsDeferred: number;
  roundsUnchanged: number;
  probeFailures: number;
  instances: Array<{
    name: string;
    breaker: string;
    code: string;
    score: number;
    errorRate: number | null;
    weight: number;
    down: boolean;
    consecutiveFailures: number;
    consecutiveSuccesses: number;
    answer: string;
  }>;
  /** The latest breaker transitions, newest last (at most 30). */
  events: Array<{ round: number; instance: string; code: string; detail: string }>;
}

export const healthRouterProgressQuery = defineQuery<HealthRouterProgress>('healthRouterProgress');
