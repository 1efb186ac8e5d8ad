// pgMonitor: under the ID pg-monitor/<cluster> (the worker starts it there, idempotently:
// workers/bootstrap/pg-monitors.ts) it is the cluster's one long-running monitor, whose
// probing loop runs in a heartbeating activity and which continues as new
// (./pg-monitor-watch.ts). The workflow ID is the mutex: however many workers start it,
// one monitor runs. Under any other ID it is a one-shot check of the cluster
// (./pg-monitor-check.ts), the shape every run of the old every-2-seconds Schedule had, so
// their histories replay; the branch depends only on the ID, which the history fixes.
import { workflowInfo } from '@temporalio/workflow';
import { pgMonitorId } from '../../contracts/postgres';
import { parsePgMonitorInput } from '../../policy/postgres/pg-input';
import { splitPgMonitorInput } from '../../policy/postgres/pg-monitor-input';
import { invalidInput, validInput } from '../common/validation';
import { checkPgClusterOnce, type PgMonitorResult } from './pg-monitor-check';
import { watchCluster } from './pg-monitor-watch';

export type { PgMonitorResult } from './pg-monitor-check';

export async function pgMonitor(rawInput: unknown): Promise<PgMonitorResult> {
  const { base, watch, watchFieldsGiven } = splitPgMonitorInput(rawInput);
  const input = validInput('pgMonitor', parsePgMonitorInput(base));
  const monitorId = pgMonitorId(input.cluster);
  if (workflowInfo().workflowId !== monitorId) {
    if (watchFieldsGiven) throw invalidInput('pgMonitor', [`watchMs and carried apply only to the long-running monitor ${monitorId}`]);
    return checkPgClusterOnce(input);
  }
  if (!watch.ok) throw invalidInput('pgMonitor', watch.problems);
  return watchCluster(input, watch.value);
}
