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

/** An operator approves a failover whose candidate lags more than the threshold (or when approval is required). */
export const approveFailoverSignal = defineSignal<[{ approvedBy?: string }]>('approveFailover');
