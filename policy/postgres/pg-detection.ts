// The failure detection rule. A primary counts as failed only when
//   1. the monitor's own probes failed N times in a row, over at least the window, and
//   2. a second vantage point agrees: every reachable standby has lost its WAL sender
//      (its receiver does not stream, or the sender has been silent too long).
// One network blip, or a primary paused for less than the window, never confirms.
import type { ClusterObservation, ServerProbe } from './pg-cluster';

export interface DetectionRule {
  failedProbes: number;
  detectionWindowMs: number;
  receiverSilenceSeconds: number;
}

/** Plain JSON, carried from one probe to the next inside a monitor run. */
export interface DetectionState {
  primary: string | null;
  consecutiveFailures: number;
  firstFailureAtMs: number | null;
  /** The most consecutive failures seen in this run (reported, so a test can tell a blip was seen). */
  maxConsecutiveFailures: number;
}

export type DetectionCode =
  | 'PrimaryHealthy'
  | 'NoPrimaryKnown'
  | 'PrimaryInRecovery'
  | 'PrimarySuspect'
  | 'StandbysStillFollow'
  | 'NoStandbyReachable'
  | 'PromotedNotPublished'
  | 'PrimaryFailed';

export interface DetectionDecision {
  state: DetectionState;
  code: DetectionCode;
  /**
   * healthy: nothing to do; suspect: probe again; confirmed: start pgFailover; unknown: a person
   * must look (NoStandbyReachable with no other writable server: nothing can be promoted).
   */
  verdict: 'healthy' | 'suspect' | 'confirmed' | 'unknown';
  reason: string;
}

export function initialDetectionState(): DetectionState {
  return { primary: null, consecutiveFailures: 0, firstFailureAtMs: null, maxConsecutiveFailures: 0 };
}

/** True when this standby no longer hears from the primary at `primaryPort`. */
export function standbyLostPrimary(standby: ServerProbe, primaryPort: number, receiverSilenceSeconds: number): boolean {
  const receiver = standby.walReceiver;
  if (!receiver || receiver.status !== 'streaming') return true;
  if (receiver.senderPort !== null && receiver.senderPort !== primaryPort) return true;
  return receiver.lastMessageAgeSeconds !== null && receiver.lastMessageAgeSeconds > receiverSilenceSeconds;
}

export function evaluateDetection(previous: DetectionState, observation: ClusterObservation, rule: DetectionRule): DetectionDecision {
  const primaryName = observation.published?.primary.name ?? null;
  if (!primaryName) {
    return {
      state: initialDetectionState(),
      code: 'NoPrimaryKnown',
      verdict: 'unknown',
      reason: 'no topology has been published yet, so no server is known as the primary',
    };
  }
  // A different primary than last time (a switchover or failover finished): start counting afresh.
  const base =
    previous.primary === primaryName
      ? previous
      : { ...initialDetectionState(), maxConsecutiveFailures: previous.maxConsecutiveFailures, primary: primaryName };
  const primary = observation.servers.find((s) => s.name === primaryName);
  if (primary?.reachable && primary.inRecovery === false) {
    return {
      state: { ...base, consecutiveFailures: 0, firstFailureAtMs: null },
      code: 'PrimaryHealthy',
      verdict: 'healthy',
      reason: `${primaryName} answers and accepts writes`,
    };
  }
  if (primary?.reachable && primary.inRecovery === true) {
    // The published primary is a standby now: the topology is stale, not the server dead.
    return {
      state: { ...base, consecutiveFailures: 0, firstFailureAtMs: null },
      code: 'PrimaryInRecovery',
      verdict: 'unknown',
      reason: `${primaryName} answers but is in recovery; the published topology is stale`,
    };
  }
  const consecutiveFailures = base.consecutiveFailures + 1;
  const firstFailureAtMs = base.firstFailureAtMs ?? observation.observedAtMs;
  const state: DetectionState = {
    primary: primaryName,
    consecutiveFailures,
    firstFailureAtMs,
    maxConsecutiveFailures: Math.max(base.maxConsecutiveFailures, consecutiveFailures),
  };
  const spanMs = observation.observedAtMs - firstFailureAtMs;
  if (consecutiveFailures < rule.failedProbes || spanMs < rule.detectionWindowMs) {
    return {
      state,
      code: 'PrimarySuspect',
      verdict: 'suspect',
      reason: `${primaryName} failed ${consecutiveFailures} probe(s) in a row over ${spanMs} ms (needs ${rule.failedProbes} over ${rule.detectionWindowMs} ms): ${primary?.error ?? 'not probed'}`,
    };
  }
  return confirmFromOtherServers({ state, primaryName, primaryPort: primary?.port ?? -1, spanMs }, observation, rule);
}

interface Suspicion {
  state: DetectionState;
  primaryName: string;
  primaryPort: number;
  spanMs: number;
}

/** The primary failed enough probes over the window: the other servers must agree before a failover. */
function confirmFromOtherServers(suspicion: Suspicion, observation: ClusterObservation, rule: DetectionRule): DetectionDecision {
  const { state, primaryName, spanMs } = suspicion;
  const consecutiveFailures = state.consecutiveFailures;
  const standbys = observation.servers.filter((s) => s.name !== primaryName && s.reachable && s.inRecovery === true);
  const promoted = observation.servers.filter((s) => s.name !== primaryName && s.reachable && s.inRecovery === false);
  if (standbys.length === 0 && promoted.length === 1) {
    // An operation promoted a standby and died before it published (chaos seed 20261128, trial 1):
    // with the published primary down, the writable server is the only way forward. pgFailover
    // fences the old primary, adopts it (AlreadyPromoted), re-points and publishes.
    return {
      state,
      code: 'PromotedNotPublished',
      verdict: 'confirmed',
      reason: `${primaryName} failed ${consecutiveFailures} probes over ${spanMs} ms and ${promoted[0].name} already accepts writes, promoted but not published`,
    };
  }
  if (standbys.length === 0) {
    return {
      state,
      code: 'NoStandbyReachable',
      verdict: 'unknown',
      reason: `${primaryName} is down and no standby answers: nothing to promote, and no second vantage point`,
    };
  }
  const stillFollowing = standbys.filter((s) => !standbyLostPrimary(s, suspicion.primaryPort, rule.receiverSilenceSeconds));
  if (stillFollowing.length > 0) {
    return {
      state,
      code: 'StandbysStillFollow',
      verdict: 'suspect',
      reason: `${primaryName} fails our probes but ${stillFollowing.map((s) => s.name).join(', ')} still stream(s) from it: not confirmed from a second vantage point`,
    };
  }
  return {
    state,
    code: 'PrimaryFailed',
    verdict: 'confirmed',
    reason: `${primaryName} failed ${consecutiveFailures} probes over ${spanMs} ms and ${standbys.map((s) => s.name).join(', ')} lost it too`,
  };
}
