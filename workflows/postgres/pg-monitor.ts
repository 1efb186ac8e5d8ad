// pgMonitor: one run of the cluster's watch, started every few seconds by the Temporal
// Schedule pg-monitor/<cluster> (overlap SKIP). It probes every server and publishes the
// replication lag; when the primary fails a probe it keeps probing inside this run until
// the detection rule (policy/postgres/pg-detection.ts) says healthy again or confirmed, and on a
// confirmed failure it starts pgFailover under the cluster's mutex ID.
import { ApplicationFailure, ParentClosePolicy, proxyActivities, setCurrentDetails, sleep, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import { FailureType } from '../../contracts/common/failure-types';
import { writableServers } from '../../policy/postgres/pg-cluster';
import { evaluateDetection, initialDetectionState, type DetectionCode } from '../../policy/postgres/pg-detection';
import { parsePgMonitorInput } from '../../policy/postgres/pg-input';
import { pgFailoverMutexId } from '../../contracts/postgres';
import { pgFailover } from './pg-failover';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';

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

export async function pgMonitor(rawInput: unknown): Promise<PgMonitorResult> {
  const parsed = parsePgMonitorInput(rawInput);
  if (!parsed.ok)
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      message: `invalid pgMonitor input: ${parsed.problems.join('; ')}`,
      nonRetryable: true,
    });
  const input = parsed.value;
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
    const writable = writableServers(observation.servers);
    if (!observation.published && writable.length === 1) {
      // First run on a new cluster: publish what is there, so the pools and the detection know the primary.
      const replicas = observation.servers.filter((s) => s.reachable && s.inRecovery === true).map((s) => s.name);
      observation.published = (await publish.publishPgTopology({ cluster: input.cluster, primary: writable[0].name, replicas })).topology;
    }
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
      const workflowId = pgFailoverMutexId(input.cluster);
      try {
        await startChild(pgFailover, {
          workflowId,
          args: [{ cluster: input.cluster, reason: `pgMonitor: ${decision.reason}`.slice(0, 200) }],
          // The failover must outlive this short monitor run.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: ServiceKey, value: `postgres/${input.cluster}` },
            { key: OperationKey, value: 'pgFailover' },
          ],
          staticSummary: `pgFailover ${input.cluster} (started by pgMonitor)`,
        });
        return { ...base, failoverStarted: true, failoverWorkflowId: workflowId };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          return {
            ...base,
            reason: `${decision.reason}; ${workflowId} is already running`,
            failoverStarted: false,
            failoverWorkflowId: workflowId,
          };
        throw error;
      }
    }
    if (probes >= maxProbes) return { ...base, failoverStarted: false };
    await sleep(input.probeIntervalMs);
  }
}
