// The long-running monitor pg-monitor/<cluster>. Its probing loop is one heartbeating
// activity (watchPgCluster), so an idle cluster costs one activity per watch (5 min by
// default) and one execution per run, not one execution per probe. On a failure the
// detection rule confirmed, or on a standby that stopped streaming (pg-standby-loss.ts), it
// starts pgFailover and waits for it; when the watch's time is
// up it continues as new, carrying the detection state and its totals as plain JSON.
import {
  ChildWorkflowFailure,
  continueAsNew,
  defineQuery,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { initialDetectionState, type DetectionState } from '../../policy/postgres/pg-detection';
import type { PgMonitorInput } from '../../policy/postgres/pg-input';
import type { PgMonitorTotals, PgMonitorWatchInput } from '../../policy/postgres/pg-monitor-input';
import type { WatchReport } from '../../policy/postgres/pg-monitor-watch';
import { startFailoverFromMonitor } from './pg-monitor-failover';

export interface PgMonitorProgress extends PgMonitorTotals {
  cluster: string;
  detection: DetectionState;
}
export const pgMonitorProgressQuery = defineQuery<PgMonitorProgress>('pgMonitorProgress');

/** While a failover someone else started holds the mutex, wait this long before the next watch. */
const FAILOVER_BUSY_WAIT_MS = 5_000;

export async function watchCluster(input: PgMonitorInput, watchInput: PgMonitorWatchInput): Promise<never> {
  upsertSearchAttributes([
    { key: ServiceKey, value: `postgres/${input.cluster}` },
    { key: OperationKey, value: 'pgMonitor' },
  ]);
  // The watch returns after watchMs; it heartbeats every probe round, so a dead worker is
  // noticed within 15 s and the watch resumes elsewhere from its last heartbeat. A monitor
  // must never give up: retries back off to 10 s and add no history events.
  const watch = proxyActivities<Activities>({
    startToCloseTimeout: `${Math.ceil(watchInput.watchMs / 1000) + 60} seconds`,
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
  });
  let detection = watchInput.carried?.detection ?? initialDetectionState();
  const totals: PgMonitorTotals = watchInput.carried
    ? { ...watchInput.carried.totals, runs: watchInput.carried.totals.runs + 1 }
    : { runs: 1, watches: 0, rounds: 0, failoversStarted: 0, lastCode: 'NotProbed', lastReason: 'not probed yet' };
  setHandler(pgMonitorProgressQuery, () => ({ cluster: input.cluster, ...totals, detection }));

  for (;;) {
    const report: WatchReport = await watch.watchPgCluster({
      cluster: input.cluster,
      settings: { ...input, watchMs: watchInput.watchMs, returnOnConfirmed: input.autoFailover },
      state: detection,
    });
    detection = report.state;
    Object.assign(totals, {
      watches: totals.watches + 1,
      rounds: totals.rounds + report.round,
      lastCode: report.detection,
      lastReason: report.reason,
    });
    setCurrentDetails(`**pgMonitor** ${input.cluster}, run ${totals.runs}: ${report.reason} (${totals.rounds} probe rounds)`);
    // A lost standby goes to pgFailover too: it finds the primary healthy and rejoins the standby under the mutex.
    if (report.code !== 'FailureConfirmed' && report.code !== 'StandbyLost') break;
    await failOver(input.cluster, report.reason, totals);
    // Count afresh after a failover: the next failure is a new one.
    detection = { ...initialDetectionState(), maxConsecutiveFailures: detection.maxConsecutiveFailures };
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<(raw: unknown) => Promise<unknown>>({ ...input, watchMs: watchInput.watchMs, carried: { detection, totals } });
}

/** Starts pgFailover and waits for it, so the monitor does not confirm the same dead primary again meanwhile. */
async function failOver(cluster: string, reason: string, totals: PgMonitorTotals): Promise<void> {
  const failover = await startFailoverFromMonitor(cluster, reason);
  if (!failover.started) {
    totals.lastReason = `${reason}; ${failover.workflowId} is already running`;
    await sleep(FAILOVER_BUSY_WAIT_MS);
    return;
  }
  totals.failoversStarted += 1;
  setCurrentDetails(`**pgMonitor** ${cluster}: ${reason}; waiting for ${failover.workflowId}`);
  try {
    const result = await failover.handle.result();
    totals.lastReason = `${failover.workflowId} finished: ${JSON.stringify(result).slice(0, 300)}`;
  } catch (error) {
    // A failed failover is the failover's to report; the monitor watches on (and may try again).
    if (isCancellation(error) || !(error instanceof ChildWorkflowFailure)) throw error;
    totals.lastReason = `${failover.workflowId} failed: ${error.cause?.message ?? error.message}`;
  }
}
