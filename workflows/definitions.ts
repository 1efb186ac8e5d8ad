// Queries and signals shared by the workflows and their callers (CLI, tests).
import { defineQuery } from '@temporalio/workflow';

export interface OperationProgress {
  /** A short machine-readable step name, such as "health-wait". */
  step: string;
  /** The same line the Temporal UI shows as the workflow's current details. */
  detail: string;
  done: string[];
}

export const progressQuery = defineQuery<OperationProgress>('progress');
