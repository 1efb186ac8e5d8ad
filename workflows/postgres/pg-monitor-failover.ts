// How a monitor starts pgFailover: as a child under the cluster's mutex ID, abandoned on
// close so the failover outlives the monitor run. Shared by the one-shot check and the
// long-running monitor; the one command both send, so old histories replay.
import { ChildWorkflowCancellationType, ParentClosePolicy, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { pgFailoverMutexId } from '../../contracts/postgres';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { pgFailover } from './pg-failover';

export type MonitorFailoverStart =
  { started: true; workflowId: string; handle: ChildWorkflowHandle<typeof pgFailover> } | { started: false; workflowId: string };

/** Starts pgFailover, or reports that a run of pg-failover/<cluster> already holds the mutex. */
export async function startFailoverFromMonitor(cluster: string, reason: string): Promise<MonitorFailoverStart> {
  const workflowId = pgFailoverMutexId(cluster);
  try {
    const handle = await startChild(pgFailover, {
      workflowId,
      args: [{ cluster, reason: `pgMonitor: ${reason}`.slice(0, 200) }],
      // The failover must outlive the monitor run that started it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // Cancelling the monitor stops watching; it never cancels a failover half-way.
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      typedSearchAttributes: [
        { key: ServiceKey, value: `postgres/${cluster}` },
        { key: OperationKey, value: 'pgFailover' },
      ],
      staticSummary: `pgFailover ${cluster} (started by pgMonitor)`,
    });
    return { started: true, workflowId, handle };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { started: false, workflowId };
    throw error;
  }
}
