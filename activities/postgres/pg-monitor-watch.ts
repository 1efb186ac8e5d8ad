// watchPgCluster: the probing loop of the long-running monitor pg-monitor/<cluster>, inside
// ONE activity, so an idle cluster costs no workflow executions and no history events per
// probe. Each round probes every server, publishes the first topology on a new cluster,
// feeds the detection rule and heartbeats the round with its verdict and state; a retry
// after a worker crash resumes from the last heartbeat. Cancellation is honoured between
// rounds (the sleep rejects). It returns only when policy/postgres/pg-monitor-watch.ts says so:
// a confirmed primary failure, a standby lost under a healthy primary, or the watch's time up.
import { Context } from '@temporalio/activity';
import type { ClusterObservation } from '../../policy/postgres/pg-cluster';
import { evaluateDetection } from '../../policy/postgres/pg-detection';
import { evaluateStandbyLoss } from '../../policy/postgres/pg-standby-loss';
import { firstTopologyToPublish, watchStep, type WatchReport, type WatchRequest } from '../../policy/postgres/pg-monitor-watch';

export interface WatchDependencies {
  observe: (cluster: string) => Promise<ClusterObservation>;
  publish: (request: { cluster: string; primary: string; replicas: string[] }) => Promise<{ topology: ClusterObservation['published'] }>;
  recordLag: (observation: ClusterObservation) => Promise<unknown>;
}

export function createPgWatchActivity(deps: WatchDependencies) {
  return {
    async watchPgCluster(request: WatchRequest): Promise<WatchReport> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as WatchReport | undefined;
      let report: WatchReport = resumed ?? {
        code: 'KeepWatching',
        round: 0,
        startedAtMs: Date.now(),
        state: request.state,
        verdict: 'unknown',
        detection: 'NoPrimaryKnown',
        reason: 'not probed yet',
      };
      for (;;) {
        const observation = await deps.observe(request.cluster);
        const first = firstTopologyToPublish(observation);
        if (first) observation.published = (await deps.publish({ cluster: request.cluster, ...first })).topology;
        const decision = evaluateDetection(report.state, observation, request.settings);
        if (decision.verdict === 'healthy') await deps.recordLag(observation);
        // Standbys are judged only under a healthy primary: a failed primary is the failover's.
        const loss =
          decision.verdict === 'healthy' && decision.state.primary
            ? evaluateStandbyLoss(report.standbyLoss ?? {}, observation, decision.state.primary, request.settings)
            : { state: {}, lost: [], reason: '' };
        const step = watchStep(decision, Date.now() - report.startedAtMs, request.settings, loss.lost);
        report = {
          ...report,
          code: step.code,
          round: report.round + 1,
          state: decision.state,
          verdict: decision.verdict,
          detection: decision.code,
          reason: loss.lost.length ? loss.reason : decision.reason,
          standbyLoss: loss.state,
          lostStandbys: loss.lost,
        };
        ctx.heartbeat(report);
        if (step.done) return report;
        await ctx.sleep(request.settings.probeIntervalMs); // rejects when the activity is cancelled
      }
    },
  };
}
