// The rules of the long-running monitor's watch (one heartbeating activity that probes the
// cluster every probeIntervalMs): when a round publishes the first topology, and when the
// watch hands back to its workflow. The watch returns only on a failure the detection rule
// confirmed (so the workflow can start pgFailover) or when its time is up (so the workflow
// can continue as new); every other verdict is probed again, never turned into a new execution.
import type { ClusterObservation } from './pg-cluster';
import { writableServers } from './pg-cluster';
import type { DetectionDecision, DetectionRule, DetectionState } from './pg-detection';
import type { StandbyLossState } from './pg-standby-loss';

export interface WatchSettings extends DetectionRule {
  probeIntervalMs: number;
  /** How long one watch lasts before it returns so the workflow can continue as new. */
  watchMs: number;
  /** Return on a confirmed failure (false: only report it, the operator fails over). */
  returnOnConfirmed: boolean;
}

export interface WatchRequest {
  cluster: string;
  settings: WatchSettings;
  /** The detection state carried from the previous watch (plain JSON). */
  state: DetectionState;
}

/** StandbyLost: the primary is healthy but a standby stopped streaming from it (./pg-standby-loss.ts). */
export type WatchCode = 'FailureConfirmed' | 'StandbyLost' | 'WatchTimeUp' | 'KeepWatching';

export interface WatchStep {
  code: WatchCode;
  done: boolean;
}

export function watchStep(
  decision: Pick<DetectionDecision, 'verdict'>,
  elapsedMs: number,
  settings: WatchSettings,
  lostStandbys: string[] = [],
): WatchStep {
  if (decision.verdict === 'confirmed' && settings.returnOnConfirmed) return { code: 'FailureConfirmed', done: true };
  if (decision.verdict === 'healthy' && lostStandbys.length > 0 && settings.returnOnConfirmed) return { code: 'StandbyLost', done: true };
  // Time up even while suspect: the state travels with the workflow, so the next watch counts on.
  if (elapsedMs >= settings.watchMs) return { code: 'WatchTimeUp', done: true };
  return { code: 'KeepWatching', done: false };
}

/** On a cluster nobody published yet, the one writable server is the primary and the standbys its replicas. */
export function firstTopologyToPublish(observation: ClusterObservation): { primary: string; replicas: string[] } | null {
  if (observation.published) return null;
  const writable = writableServers(observation.servers);
  if (writable.length !== 1) return null;
  const replicas = observation.servers.filter((s) => s.reachable && s.inRecovery === true).map((s) => s.name);
  return { primary: writable[0].name, replicas };
}

/** What the watch reports in each heartbeat and returns: the last round's verdict and the state to carry. */
export interface WatchReport {
  code: WatchCode;
  round: number;
  startedAtMs: number;
  state: DetectionState;
  verdict: DetectionDecision['verdict'];
  detection: DetectionDecision['code'];
  reason: string;
  /** Standbys not streaming from the healthy primary, with when they were first seen so (pg-standby-loss.ts). */
  standbyLoss?: StandbyLossState;
  /** With code StandbyLost: the standbys to rejoin. */
  lostStandbys?: string[];
}
