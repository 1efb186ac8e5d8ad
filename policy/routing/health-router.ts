// The health router's decision, one round at a time. Pure: the workflow passes `nowMs`
// (workflow time) and what the probe activity saw; this returns the next state, the
// weights and ejections nginx should have, and whether to reload now.
//
// Invariants the decision keeps (checkRoutingInvariants):
//   - it only ever routes members that are in the upstream now (membership belongs to the
//     scaling operations; the router cannot add an instance, so it can never put back one
//     that a drain took out);
//   - a draining instance is ejected and stays ejected for as long as it is a member;
//   - at most maxEjectedPercent of the non-draining members are ejected for failing, so a
//     platform-wide fault (say Redis down) never empties the upstream.
//
// Per instance, a circuit breaker:
//   closed    --failureThreshold failed rounds in a row-->  open (ejected)
//   open      --openSeconds passed-->                       half-open (still ejected; its probes count)
//   half-open --recoveryProbes good probes in a row-->      closed, weight ramps 1 → fullWeight over rampSeconds
//   half-open --one failed probe-->                         open again
//   any       --health says draining-->                     draining (ejected, final)
// A round fails when the health check does not answer 200, or when the instance's own
// error rate since the last round (5xx / requests, from its /metrics) is above
// maxErrorRate over at least minRequests requests.

import { errorRateSince, isEjected, rampWeight, startTracking } from './health-router-members';
import { reloadDecision } from './health-router-reload';
import {
  RAMP_START_WEIGHT,
  type AppliedEntry,
  type HealthRouterSettings,
  type InstanceCode,
  type InstanceObservation,
  type InstanceRouting,
  type InstanceVerdict,
  type RouterEvent,
  type RouterObservation,
  type RouterState,
  type RoutingDecision,
} from './health-router-types';

export * from './health-router-types';
export { checkRoutingInvariants, reloadDecision } from './health-router-reload';

type Judgement = Omit<InstanceVerdict, 'weight' | 'down'>;

/** What one round has found so far, shared by its steps. */
interface Round {
  s: HealthRouterSettings;
  nowMs: number;
  events: RouterEvent[];
  next: Record<string, InstanceRouting>;
  verdicts: Map<string, Judgement>;
}

/** An ejected member (open or half-open): waits out openSeconds, then its probes count toward recovery. */
function stepEjected(cur: InstanceRouting, m: InstanceObservation, failed: boolean, round: Round): InstanceCode {
  const { s, nowMs, events } = round;
  if (cur.breaker === 'open' && nowMs - (cur.openedAtMs ?? nowMs) >= s.openSeconds * 1000) {
    cur.breaker = 'half-open';
    cur.consecutiveSuccesses = 0;
    events.push({
      instance: m.name,
      code: 'HalfOpen',
      detail: `${m.name} has been out ${s.openSeconds} s; its probes now count toward recovery`,
    });
  }
  if (cur.breaker === 'open') return 'Open';
  if (failed) {
    Object.assign(cur, { breaker: 'open', openedAtMs: nowMs, consecutiveSuccesses: 0 });
    events.push({
      instance: m.name,
      code: 'Reopened',
      detail: `${m.name} failed a half-open probe (${m.health.answer}); out for another ${s.openSeconds} s`,
    });
    return 'Reopened';
  }
  cur.consecutiveSuccesses += 1;
  if (cur.consecutiveSuccesses < s.recoveryProbes) return 'HalfOpenProbeOk';
  Object.assign(cur, { breaker: 'closed', consecutiveFailures: 0, consecutiveSuccesses: 0, openedAtMs: null, rampStartedAtMs: nowMs });
  events.push({
    instance: m.name,
    code: 'Recovered',
    detail: `${m.name} passed ${s.recoveryProbes} half-open probes; back at weight ${RAMP_START_WEIGHT}, ramping to ${s.fullWeight} over ${s.rampSeconds} s`,
  });
  return 'Recovered';
}

/** One member's breaker step; `wantsEjection` when it crossed the failure threshold (the limit is applied after). */
function stepBreaker(
  cur: InstanceRouting,
  m: InstanceObservation,
  failed: boolean,
  round: Round,
): { code: InstanceCode; wantsEjection: boolean } {
  if (m.health.draining || cur.breaker === 'draining') {
    if (cur.breaker !== 'draining')
      round.events.push({
        instance: m.name,
        code: 'Draining',
        detail: `${m.name} is draining; ejected until a scaling operation removes it`,
      });
    cur.breaker = 'draining';
    return { code: 'Draining', wantsEjection: false };
  }
  if (cur.breaker !== 'closed') return { code: stepEjected(cur, m, failed, round), wantsEjection: false };
  cur.consecutiveSuccesses = 0;
  if (!failed) {
    cur.consecutiveFailures = 0;
    return { code: cur.rampStartedAtMs !== null ? 'Ramping' : 'Healthy', wantsEjection: false };
  }
  cur.consecutiveFailures += 1;
  return { code: !m.health.ok ? 'HealthProbeFailed' : 'ErrorRateHigh', wantsEjection: cur.consecutiveFailures >= round.s.failureThreshold };
}

/** Judges one member: its score, error rate and breaker step. Returns whether it wants ejecting. */
function judgeMember(m: InstanceObservation, previous: RouterState, observation: RouterObservation, round: Round): boolean {
  const { s, nowMs, events } = round;
  const known = previous.instances[m.name];
  const prior = known && known.since === m.since ? known : startTracking(m, previous, observation, nowMs, s, events);
  const errorRate = errorRateSince(prior.counters, m.requests, s.minRequests);
  const score = m.health.ok ? Math.round(100 * (1 - (errorRate ?? 0))) : 0;
  const failed = !m.health.ok || (errorRate !== null && errorRate > s.maxErrorRate);
  const cur: InstanceRouting = { ...prior, counters: m.requests ?? prior.counters };
  const { code, wantsEjection } = stepBreaker(cur, m, failed, round);
  round.next[m.name] = cur;
  round.verdicts.set(m.name, {
    name: m.name,
    code,
    score,
    errorRate,
    breaker: cur.breaker,
    consecutiveFailures: cur.consecutiveFailures,
    consecutiveSuccesses: cur.consecutiveSuccesses,
    answer: m.health.answer,
  });
  return wantsEjection;
}

/** The ejection limit, over the members that are not draining (Envoy's max_ejection_percent). */
function applyEjectionLimit(members: InstanceObservation[], wantsEjection: string[], round: Round): void {
  const { s, nowMs, events, next, verdicts } = round;
  const active = members.filter((m) => next[m.name].breaker !== 'draining');
  const ejectedNow = active.filter((m) => isEjected(next[m.name].breaker)).length;
  let room = Math.floor((active.length * s.maxEjectedPercent) / 100) - ejectedNow;
  for (const name of wantsEjection) {
    const cur = next[name];
    const verdict = verdicts.get(name)!;
    if (room > 0) {
      room -= 1;
      Object.assign(cur, { breaker: 'open', openedAtMs: nowMs, rampStartedAtMs: null, consecutiveSuccesses: 0 });
      verdicts.set(name, { ...verdict, code: 'Ejected', breaker: 'open' });
      events.push({
        instance: name,
        code: 'Ejected',
        detail: `${name} failed ${cur.consecutiveFailures} rounds in a row (${verdict.answer}); ejected from the upstream`,
      });
      continue;
    }
    verdicts.set(name, { ...verdict, code: 'EjectionLimited' });
    if (cur.consecutiveFailures === s.failureThreshold) {
      events.push({
        instance: name,
        code: 'EjectionLimited',
        detail: `${name} is failing but ${ejectedNow} of ${active.length} members are already out (limit ${s.maxEjectedPercent} %); it stays in`,
      });
    }
  }
}

/** The weight and ejection nginx should give each member, and the verdicts as reported. */
function routeMembers(
  members: InstanceObservation[],
  round: Round,
): { desired: Record<string, AppliedEntry>; instances: InstanceVerdict[] } {
  const { s, nowMs, events, next, verdicts } = round;
  const desired: Record<string, AppliedEntry> = {};
  const instances: InstanceVerdict[] = [];
  for (const m of members) {
    const cur = next[m.name];
    const down = isEjected(cur.breaker);
    const weight = down ? RAMP_START_WEIGHT : rampWeight(cur.rampStartedAtMs, nowMs, s);
    if (!down && cur.rampStartedAtMs !== null && weight >= s.fullWeight) {
      cur.rampStartedAtMs = null;
      events.push({ instance: m.name, code: 'RampDone', detail: `${m.name} is at full weight ${s.fullWeight}` });
    }
    desired[m.name] = { since: m.since, weight, down };
    const verdict = verdicts.get(m.name)!;
    instances.push({
      ...verdict,
      code: verdict.code === 'Ramping' && cur.rampStartedAtMs === null ? 'Healthy' : verdict.code,
      weight,
      down,
    });
  }
  return { desired, instances };
}

export function evaluateRound(
  previous: RouterState,
  observation: RouterObservation,
  s: HealthRouterSettings,
  nowMs: number,
): RoutingDecision {
  const round: Round = { s, nowMs, events: [], next: {}, verdicts: new Map() };
  const members = [...observation.instances].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const wantsEjection = members.filter((m) => judgeMember(m, previous, observation, round)).map((m) => m.name);
  applyEjectionLimit(members, wantsEjection, round);
  const { desired, instances } = routeMembers(members, round);
  for (const name of Object.keys(previous.instances)) {
    if (!round.next[name]) round.events.push({ instance: name, code: 'Left', detail: `${name} left the upstream` });
  }
  return {
    state: { started: true, instances: round.next },
    desired,
    instances,
    events: round.events,
    reload: reloadDecision(desired, observation, s, nowMs),
  };
}
