// pgMonitor's one-shot check, run when pgMonitor is started under any ID other than
// pg-monitor/<cluster> (a CLI check, a test priming the topology, and every run the old
// pg-monitor/<cluster> Schedule started, whose histories must keep replaying: this code is
// the pre-long-running pgMonitor, unchanged). It probes every server and publishes the
// replication lag; when the primary fails a probe it keeps probing until the detection rule
// (policy/postgres/pg-detection.ts) says healthy again or confirmed, and on a confirmed
// failure it starts pgFailover under the cluster's mutex ID.
import { proxyActivities, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { firstTopologyToPublish } from '../../policy/postgres/pg-monitor-watch';
import { evaluateDetection, initialDetectionState, type DetectionCode } from '../../policy/postgres/pg-detection';
import type { PgMonitorInput } from '../../policy/postgres/pg-input';
import { startFailoverFromMonitor } from './pg-monitor-failover';

// A probe must come back fast or not at all: the next probe is the retry.
const probe = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});
// Publishing the first topology and the lag gauge; a few quick attempts, then the next run tries again.
const publish = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

export interface PgMonitorResult {
  cluster: string;
  verdict: 'healthy' | 'suspect' | 'confirmed' | 'unknown';
  code: DetectionCode;
  reason: string;
  probes: number;
  maxConsecutiveFailures: number;
  failoverStarted: boolean;
  failoverWorkflowId?: string;
  lags?: Record<string, number>;
}

/** One check of the cluster (the shape every pgMonitor run had when a Schedule started them). */
export async function checkPgClusterOnce(input: PgMonitorInput): Promise<PgMonitorResult> {
  let state = initialDetectionState();
  const maxProbes = Math.max(1, Math.ceil(input.maxRunMs / input.probeIntervalMs));
  for (let probes = 1; ; probes++) {
    let observation;
    try {
      observation = await probe.observePgCluster(input.cluster);
    } catch (error) {
      return {
        cluster: input.cluster,
        verdict: 'unknown',
        code: 'NoPrimaryKnown',
        reason: `the probe activity failed: ${(error as Error).message}`,
        probes,
        maxConsecutiveFailures: state.maxConsecutiveFailures,
        failoverStarted: false,
      };
    }
    // First run on a new cluster: publish what is there, so the pools and the detection know the primary.
    const first = firstTopologyToPublish(observation);
    if (first) observation.published = (await publish.publishPgTopology({ cluster: input.cluster, ...first })).topology;
    const decision = evaluateDetection(state, observation, input);
    state = decision.state;
    setCurrentDetails(`**pgMonitor** ${input.cluster} — probe ${probes}: ${decision.reason}`);
    const base = {
      cluster: input.cluster,
      verdict: decision.verdict,
      code: decision.code,
      reason: decision.reason,
      probes,
      maxConsecutiveFailures: state.maxConsecutiveFailures,
    };
    if (decision.verdict === 'healthy') {
      const lags = await publish.recordPgReplicationLag(observation);
      return { ...base, failoverStarted: false, lags };
    }
    if (decision.verdict === 'unknown') return { ...base, failoverStarted: false };
    if (decision.verdict === 'confirmed') {
      if (!input.autoFailover) return { ...base, failoverStarted: false };
      const failover = await startFailoverFromMonitor(input.cluster, decision.reason);
      if (failover.started) return { ...base, failoverStarted: true, failoverWorkflowId: failover.workflowId };
      return {
        ...base,
        reason: `${decision.reason}; ${failover.workflowId} is already running`,
        failoverStarted: false,
        failoverWorkflowId: failover.workflowId,
      };
    }
    if (probes >= maxProbes) return { ...base, failoverStarted: false };
    await sleep(input.probeIntervalMs);
  }
}
