// The progress query every operation workflow answers (CLI status, tests, the Temporal UI's details).
import { defineQuery } from '@temporalio/workflow';

export interface OperationProgress {
  /** A short machine-readable step name, such as "health-wait". */
  step: string;
  /** The same line the Temporal UI shows as the workflow's current details. */
  detail: string;
  done: string[];
}

export const progressQuery = defineQuery<OperationProgress>('progress');
