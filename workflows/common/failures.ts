import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/**
 * The ApplicationFailure behind activity and child-workflow wrappers, so a caller
 * sees "unknown service …" as the workflow's failure instead of "activity failed".
 */
export function surfaceApplicationFailure(error: unknown): unknown {
  let current = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) current = current.cause;
  return current instanceof ApplicationFailure ? current : error;
}
