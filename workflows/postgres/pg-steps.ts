// What pgFailover and pgSwitchover share: activity option sets, the model built from an
// observation, and one activity per plan transition.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { doubling } from '../common/activity-options';
import { FailureType } from '../../contracts/common/failure-types';
import type { ClusterObservation } from '../../policy/postgres/pg-cluster';
import { modelFromObservation } from '../../policy/postgres/pg-observation-model';
import { describeTransition, type ClusterModel, type Transition } from '../../policy/postgres/pg-plan';

// Probes answer within a second or two; three attempts ride out a blip, and a failover
// must not wait long on a probe.
export const probe = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: doubling('200 milliseconds', '2 seconds', 3),
});

// Role changes. Each activity heartbeats on real progress (a poll answered, a tool's output,
// a moving LSN), so a dead worker or a hung tool is noticed within 10 s and the (idempotent)
// step runs again elsewhere. Eight attempts over about half a minute ride out a server that
// is still starting; past that a person should look.
export const control = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: doubling('500 milliseconds', '5 seconds', 8),
});

// Rejoin runs pg_rewind or a full pg_basebackup: minutes, not seconds. Fewer attempts,
// since each already falls back from rewind to re-clone.
export const rejoin = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: doubling('1 second', '10 seconds', 4),
});

// The activities' result shapes, seen through `typeof activities` only (the workflow fence).
type FenceRecord = Awaited<ReturnType<Activities['fencePgServer']>>;
type RejoinResult = Awaited<ReturnType<Activities['rejoinPgServer']>>;

export interface StepTimings {
  startedAtMs: number;
  fencedAtMs?: number;
  promotedAtMs?: number;
  repointedAtMs?: number;
  publishedAtMs?: number;
  rejoinedAtMs?: number;
  doneAtMs?: number;
}

export interface StepRecord {
  fence?: FenceRecord;
  promotedTimeline?: number;
  topologyEpoch?: number;
  rejoin?: RejoinResult;
  rejoinError?: string;
}

/** The plan model of an observation (policy/postgres/pg-observation-model.ts); a model no plan starts from stops the run. */
export function planModel(observation: ClusterObservation, fenced: string | null): ClusterModel {
  const built = modelFromObservation(observation, fenced);
  if (!built.ok) {
    throw ApplicationFailure.create({
      type: FailureType.NoPrimaryKnown,
      message: `the cluster is in a state no plan starts from: ${built.problems.join('; ')}; a person must look`,
      nonRetryable: true,
    });
  }
  return built.model;
}

/** Applies one transition through its activity. `unreachable` servers are rejoined instead of re-pointed. */
export async function applyStep(
  cluster: string,
  t: Transition,
  record: StepRecord,
  timings: StepTimings,
  unreachable: string[],
  switchoverTimeoutSeconds: number,
): Promise<void> {
  switch (t.kind) {
    case 'fence':
      record.fence = await control.fencePgServer({ name: t.node, mode: t.mode });
      timings.fencedAtMs = Date.now();
      return;
    case 'catchUp':
      await control.waitPgCaughtUp({ name: t.node, from: t.from, timeoutSeconds: switchoverTimeoutSeconds });
      return;
    case 'promote':
      record.promotedTimeline = (await control.promotePgServer(t.node)).timeline;
      timings.promotedAtMs = Date.now();
      return;
    case 'repoint':
      if (unreachable.includes(t.node)) await rejoin.rejoinPgServer({ name: t.node, to: t.to });
      else await control.repointPgServer({ name: t.node, to: t.to });
      timings.repointedAtMs = Date.now();
      return;
    case 'publish':
      record.topologyEpoch = (await control.publishPgTopology({ cluster, primary: t.primary, replicas: t.replicas })).topology.epoch;
      timings.publishedAtMs ??= Date.now();
      return;
    case 'restoreSync':
      await control.restorePgSync({ name: t.node });
      return;
    case 'rejoin':
      record.rejoin = await rejoin.rejoinPgServer({ name: t.node, to: t.to });
      timings.rejoinedAtMs = Date.now();
      return;
  }
}

export { describeTransition };
