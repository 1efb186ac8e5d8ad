// Per-member arithmetic of the health router: weight ramps, error rates, and how a member
// the router has not seen before starts out.
import {
  RAMP_START_WEIGHT,
  type BreakerState,
  type HealthRouterSettings,
  type InstanceObservation,
  type InstanceRouting,
  type RequestCounters,
  type RouterEvent,
  type RouterObservation,
  type RouterState,
} from './health-router-types';

export const isEjected = (b: BreakerState) => b === 'open' || b === 'half-open' || b === 'draining';

export function rampWeight(rampStartedAtMs: number | null, nowMs: number, s: HealthRouterSettings): number {
  if (rampStartedAtMs === null || s.rampSeconds <= 0) return s.fullWeight;
  const progress = Math.max(0, nowMs - rampStartedAtMs) / (s.rampSeconds * 1000);
  return Math.min(s.fullWeight, RAMP_START_WEIGHT + Math.floor((s.fullWeight - RAMP_START_WEIGHT) * progress));
}

/** The ramp start that gives `weight` now: used to adopt a ramp a previous router left half-way. */
function rampStartFor(weight: number, nowMs: number, s: HealthRouterSettings): number | null {
  if (weight >= s.fullWeight || s.fullWeight <= RAMP_START_WEIGHT) return null;
  const done = (Math.max(RAMP_START_WEIGHT, weight) - RAMP_START_WEIGHT) / (s.fullWeight - RAMP_START_WEIGHT);
  return nowMs - Math.round(done * s.rampSeconds * 1000);
}

/** Error rate of the requests served since the last round; null without enough data. */
export function errorRateSince(previous: RequestCounters | null, current: RequestCounters | null, minRequests: number): number | null {
  if (!previous || !current || current.total < previous.total || current.errors < previous.errors) return null; // first look, or a restart reset the counters
  const total = current.total - previous.total;
  if (total < Math.max(1, minRequests)) return null;
  return (current.errors - previous.errors) / total;
}

function fresh(since: number, counters: RequestCounters | null): InstanceRouting {
  return { since, breaker: 'closed', consecutiveFailures: 0, consecutiveSuccesses: 0, openedAtMs: null, rampStartedAtMs: null, counters };
}

/** How a member the router has not seen before starts: adopted as nginx runs it in the first round, ramped from 1 later. */
export function startTracking(
  m: InstanceObservation,
  state: RouterState,
  observation: RouterObservation,
  nowMs: number,
  s: HealthRouterSettings,
  events: RouterEvent[],
): InstanceRouting {
  const base = fresh(m.since, null);
  if (state.started) {
    events.push({
      instance: m.name,
      code: 'Joined',
      detail: `${m.name} joined the upstream; its weight ramps from ${RAMP_START_WEIGHT} to ${s.fullWeight} over ${s.rampSeconds} s`,
    });
    return { ...base, rampStartedAtMs: nowMs };
  }
  const applied = observation.applied?.entries[m.name];
  if (applied && applied.since === m.since) {
    if (applied.down) {
      events.push({
        instance: m.name,
        code: 'Adopted',
        detail: `${m.name} was ejected by a previous router; it stays out until its probes recover`,
      });
      return { ...base, breaker: 'open', openedAtMs: nowMs };
    }
    return { ...base, rampStartedAtMs: rampStartFor(applied.weight, nowMs, s) };
  }
  return base;
}
