// Standby loss: besides the primary, the long-running monitor watches the standbys. A
// standby that has not streamed from the healthy primary for a while (unreachable, its
// postmaster killed, or its WAL receiver not streaming from the primary's port) is lost;
// the monitor then starts pgFailover, which finds the primary healthy and rejoins the lost
// standby under the cluster's mutex (pg_rewind or a re-clone, then a start as a standby).
// Without this a standby that crashed stayed down for good, and synchronous quorum
// (ANY 1) hung on the last standby alone. Pure: the state is plain JSON in the heartbeat.
import type { ClusterObservation, ServerProbe } from './pg-cluster';
import type { DetectionRule } from './pg-detection';

/** Per lost standby: when it was first seen not streaming, and in how many rounds in a row. */
export type StandbyLossState = Record<string, { firstLostAtMs: number; rounds: number }>;

/**
 * A standby is lost only after this long at the least (or the detection window when
 * longer): a standby re-pointed or restarted by an operation stops streaming for a few
 * seconds, and a rejoin must not race it.
 */
export const STANDBY_LOSS_MIN_MS = 5_000;

/** True when the standby streams from the primary (the port is what a standby's receiver reports). */
export function streamsFromPrimary(standby: ServerProbe, primary: Pick<ServerProbe, 'port'>): boolean {
  const receiver = standby.walReceiver;
  return (
    standby.reachable &&
    standby.inRecovery === true &&
    receiver?.status === 'streaming' &&
    (receiver.senderPort === null || receiver.senderPort === primary.port)
  );
}

/** The servers other than the primary that do not stream from it right now. */
export function standbysNotStreaming(observation: ClusterObservation, primaryName: string): string[] {
  const primary = observation.servers.find((s) => s.name === primaryName);
  if (!primary) return [];
  return observation.servers.filter((s) => s.name !== primaryName && !streamsFromPrimary(s, primary)).map((s) => s.name);
}

export interface StandbyLossDecision {
  state: StandbyLossState;
  /** Standbys lost for long enough: the monitor hands them to pgFailover. */
  lost: string[];
  reason: string;
}

/** One round: call it only while the primary is healthy (a failed primary is the failover's, not a rejoin's). */
export function evaluateStandbyLoss(
  previous: StandbyLossState,
  observation: ClusterObservation,
  primaryName: string,
  rule: Pick<DetectionRule, 'failedProbes' | 'detectionWindowMs'>,
): StandbyLossDecision {
  const state: StandbyLossState = {};
  for (const name of standbysNotStreaming(observation, primaryName)) {
    const before = previous[name];
    state[name] = { firstLostAtMs: before?.firstLostAtMs ?? observation.observedAtMs, rounds: (before?.rounds ?? 0) + 1 };
  }
  const windowMs = Math.max(STANDBY_LOSS_MIN_MS, rule.detectionWindowMs);
  const lost = Object.entries(state)
    .filter(([, s]) => s.rounds >= rule.failedProbes && observation.observedAtMs - s.firstLostAtMs >= windowMs)
    .map(([name]) => name)
    .sort();
  const waiting = Object.keys(state).filter((n) => !lost.includes(n));
  const reason = lost.length
    ? `standby ${lost.join(', ')} has not streamed from ${primaryName} for ${windowMs} ms or more: rejoin it`
    : waiting.length
      ? `standby ${waiting.join(', ')} not streaming from ${primaryName} yet (lost after ${windowMs} ms)`
      : `every standby streams from ${primaryName}`;
  return { state, lost, reason };
}
