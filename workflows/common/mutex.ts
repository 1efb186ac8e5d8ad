// Every scaling operation of a service runs under one workflow ID, its mutex. A run
// started under another ID (a plain `temporal workflow start`) hands itself over.
import {
  ApplicationFailure,
  ParentClosePolicy,
  executeChild,
  upsertSearchAttributes,
  workflowInfo,
  type Workflow,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { FailureType } from '../../contracts/common/failure-types';
import { surfaceApplicationFailure } from './failures';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';

export interface OperationLabels {
  service: string;
  operation: string;
  summary: string;
}

export function holdsMutex(mutexId: string): boolean {
  return workflowInfo().workflowId === mutexId;
}

/** Runs `workflow` as a child under `mutexId`; a running holder makes this fail at once with OperationInProgress. */
export async function runUnderMutex<W extends (input: I) => Promise<R>, I, R>(
  workflow: W & Workflow,
  mutexId: string,
  input: I,
  labels: OperationLabels,
): Promise<R> {
  try {
    return (await executeChild(workflow, {
      workflowId: mutexId,
      args: [input] as Parameters<W>,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: ServiceKey, value: labels.service },
        { key: OperationKey, value: labels.operation },
      ],
      staticSummary: labels.summary,
    })) as R;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw ApplicationFailure.create({
        type: FailureType.OperationInProgress,
        message: `another operation for ${labels.service} is running as workflow ${mutexId}; wait for it to finish (its cooldown included) or cancel it with: temporal workflow cancel --workflow-id ${mutexId}`,
        nonRetryable: true,
      });
    }
    throw surfaceApplicationFailure(error);
  }
}

/**
 * Runs `body` while holding `mutexId`. Started under any other ID, the workflow hands `input` over to
 * a child of itself under the mutex ID and returns the child's result (runUnderMutex). The holder
 * labels itself with its service and operation, and fails with the ApplicationFailure underneath.
 */
export async function underMutex<I, R>(
  workflow: ((input: I) => Promise<R>) & Workflow,
  mutexId: string,
  input: I,
  labels: OperationLabels,
  body: () => Promise<R>,
): Promise<R> {
  if (!holdsMutex(mutexId)) return runUnderMutex(workflow, mutexId, input, labels);
  upsertSearchAttributes([
    { key: ServiceKey, value: labels.service },
    { key: OperationKey, value: labels.operation },
  ]);
  try {
    return await body();
  } catch (error) {
    throw surfaceApplicationFailure(error);
  }
}
