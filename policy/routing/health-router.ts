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

export interface HealthRouterSettings {
  probeIntervalSeconds: number;
  probeTimeoutMs: number;
  failureThreshold: number;
  openSeconds: number;
  recoveryProbes: number;
  rampSeconds: number;
  fullWeight: number;
  reloadIntervalSeconds: number;
  maxErrorRate: number;
  minRequests: number;
  maxEjectedPercent: number;
  roundsPerRun: number;
}

export const HEALTH_ROUTER_DEFAULTS: HealthRouterSettings = {
  probeIntervalSeconds: 2,
  probeTimeoutMs: 1000,
  failureThreshold: 3,
  openSeconds: 10,
  recoveryProbes: 3,
  rampSeconds: 30,
  // Low on purpose: a new member starts at weight 1, and scaleUp's check must see a request
  // through nginx reach it; at 3 its share with 9 others at full weight is still 1/28.
  fullWeight: 3,
  reloadIntervalSeconds: 5,
  maxErrorRate: 0.5,
  minRequests: 10,
  maxEjectedPercent: 50,
  roundsPerRun: 150,
};

/** A ramp starts here; also the weight nginx gives a member the router has not judged yet. */
export const RAMP_START_WEIGHT = 1;

export type BreakerState = 'closed' | 'open' | 'half-open' | 'draining';

export interface RequestCounters {
  total: number;
  errors: number;
}

/** What the probe activity saw of one upstream member. */
export interface InstanceObservation {
  name: string;
  port: number;
  /** The member's incarnation (when it joined the upstream). */
  since: number;
  health: { ok: boolean; draining: boolean; answer: string };
  /** Cumulative counters from the instance's /metrics; null when they could not be read. */
  requests: RequestCounters | null;
}

export interface AppliedEntry {
  since: number;
  weight: number;
  down: boolean;
}

export interface RouterObservation {
  instances: InstanceObservation[];
  /** The routing nginx runs now; null while no router manages the upstream. */
  applied: { newMemberWeight: number; entries: Record<string, AppliedEntry> } | null;
  /** Epoch ms of the last nginx reload, by anyone; 0 when none is recorded. */
  lastReloadAtMs: number;
}

export interface InstanceRouting {
  since: number;
  breaker: BreakerState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  openedAtMs: number | null;
  rampStartedAtMs: number | null;
  counters: RequestCounters | null;
}

/** Plain JSON (no Map), carried from round to round and through continueAsNew. */
export interface RouterState {
  /** False before the first round: the members found then are adopted, not ramped. */
  started: boolean;
  instances: Record<string, InstanceRouting>;
}

export type InstanceCode =
  | 'Healthy'
  | 'HealthProbeFailed'
  | 'ErrorRateHigh'
  | 'Ejected'
  | 'EjectionLimited'
  | 'Open'
  | 'HalfOpenProbeOk'
  | 'Reopened'
  | 'Recovered'
  | 'Ramping'
  | 'Draining';

export type EventCode =
  'Joined' | 'Adopted' | 'Left' | 'Ejected' | 'EjectionLimited' | 'HalfOpen' | 'Reopened' | 'Recovered' | 'RampDone' | 'Draining';

export interface InstanceVerdict {
  name: string;
  code: InstanceCode;
  /** 0–100: 0 when the health check fails, else 100 × (1 − error rate). */
  score: number;
  errorRate: number | null;
  breaker: BreakerState;
  weight: number;
  down: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  answer: string;
}

export interface RouterEvent {
  instance: string;
  code: EventCode;
  detail: string;
}

export type ReloadAction = 'apply' | 'unchanged' | 'deferred';

export interface RoutingDecision {
  state: RouterState;
  desired: Record<string, AppliedEntry>;
  instances: InstanceVerdict[];
  events: RouterEvent[];
  reload: { action: ReloadAction; reason: string; waitMs: number };
}

export function initialRouterState(): RouterState {
  return { started: false, instances: {} };
}

const isEjected = (b: BreakerState) => b === 'open' || b === 'half-open' || b === 'draining';

function rampWeight(rampStartedAtMs: number | null, nowMs: number, s: HealthRouterSettings): number {
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
function errorRateSince(previous: RequestCounters | null, current: RequestCounters | null, minRequests: number): number | null {
  if (!previous || !current || current.total < previous.total || current.errors < previous.errors) return null; // first look, or a restart reset the counters
  const total = current.total - previous.total;
  if (total < Math.max(1, minRequests)) return null;
  return (current.errors - previous.errors) / total;
}

function fresh(since: number, counters: RequestCounters | null): InstanceRouting {
  return { since, breaker: 'closed', consecutiveFailures: 0, consecutiveSuccesses: 0, openedAtMs: null, rampStartedAtMs: null, counters };
}

/** How a member the router has not seen before starts: adopted as nginx runs it in the first round, ramped from 1 later. */
function startTracking(
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

export function evaluateRound(
  previous: RouterState,
  observation: RouterObservation,
  s: HealthRouterSettings,
  nowMs: number,
): RoutingDecision {
  const events: RouterEvent[] = [];
  const next: Record<string, InstanceRouting> = {};
  const verdicts = new Map<string, Omit<InstanceVerdict, 'weight' | 'down'>>();
  const wantsEjection: string[] = [];
  const members = [...observation.instances].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));

  for (const m of members) {
    const known = previous.instances[m.name];
    const prior = known && known.since === m.since ? known : startTracking(m, previous, observation, nowMs, s, events);
    const errorRate = errorRateSince(prior.counters, m.requests, s.minRequests);
    const score = m.health.ok ? Math.round(100 * (1 - (errorRate ?? 0))) : 0;
    const failed = !m.health.ok || (errorRate !== null && errorRate > s.maxErrorRate);
    const failCode: InstanceCode = !m.health.ok ? 'HealthProbeFailed' : 'ErrorRateHigh';
    const cur: InstanceRouting = { ...prior, counters: m.requests ?? prior.counters };
    let code: InstanceCode;

    if (m.health.draining || cur.breaker === 'draining') {
      if (cur.breaker !== 'draining')
        events.push({ instance: m.name, code: 'Draining', detail: `${m.name} is draining; ejected until a scaling operation removes it` });
      cur.breaker = 'draining';
      code = 'Draining';
    } else if (cur.breaker === 'closed') {
      cur.consecutiveSuccesses = 0;
      if (failed) {
        cur.consecutiveFailures += 1;
        code = failCode;
        if (cur.consecutiveFailures >= s.failureThreshold) wantsEjection.push(m.name);
      } else {
        cur.consecutiveFailures = 0;
        code = cur.rampStartedAtMs !== null ? 'Ramping' : 'Healthy';
      }
    } else {
      if (cur.breaker === 'open' && nowMs - (cur.openedAtMs ?? nowMs) >= s.openSeconds * 1000) {
        cur.breaker = 'half-open';
        cur.consecutiveSuccesses = 0;
        events.push({
          instance: m.name,
          code: 'HalfOpen',
          detail: `${m.name} has been out ${s.openSeconds} s; its probes now count toward recovery`,
        });
      }
      if (cur.breaker === 'open') {
        code = 'Open';
      } else if (failed) {
        cur.breaker = 'open';
        cur.openedAtMs = nowMs;
        cur.consecutiveSuccesses = 0;
        code = 'Reopened';
        events.push({
          instance: m.name,
          code: 'Reopened',
          detail: `${m.name} failed a half-open probe (${m.health.answer}); out for another ${s.openSeconds} s`,
        });
      } else {
        cur.consecutiveSuccesses += 1;
        code = 'HalfOpenProbeOk';
        if (cur.consecutiveSuccesses >= s.recoveryProbes) {
          Object.assign(cur, {
            breaker: 'closed',
            consecutiveFailures: 0,
            consecutiveSuccesses: 0,
            openedAtMs: null,
            rampStartedAtMs: nowMs,
          });
          code = 'Recovered';
          events.push({
            instance: m.name,
            code: 'Recovered',
            detail: `${m.name} passed ${s.recoveryProbes} half-open probes; back at weight ${RAMP_START_WEIGHT}, ramping to ${s.fullWeight} over ${s.rampSeconds} s`,
          });
        }
      }
    }
    next[m.name] = cur;
    verdicts.set(m.name, {
      name: m.name,
      code,
      score,
      errorRate,
      breaker: cur.breaker,
      consecutiveFailures: cur.consecutiveFailures,
      consecutiveSuccesses: cur.consecutiveSuccesses,
      answer: m.health.answer,
    });
  }

  // The ejection limit, over the members that are not draining (Envoy's max_ejection_percent).
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
    } else {
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
  for (const name of Object.keys(previous.instances)) {
    if (!next[name]) events.push({ instance: name, code: 'Left', detail: `${name} left the upstream` });
  }

  return { state: { started: true, instances: next }, desired, instances, events, reload: reloadDecision(desired, observation, s, nowMs) };
}

/** What nginx gives the member now: the router's entry for this incarnation, or the new-member weight. */
function appliedFor(name: string, since: number, observation: RouterObservation): AppliedEntry | null {
  const applied = observation.applied;
  if (!applied) return null;
  const entry = applied.entries[name];
  return entry && entry.since === since ? entry : { since, weight: applied.newMemberWeight, down: false };
}

function sameRouting(a: AppliedEntry, b: AppliedEntry): boolean {
  return a.down === b.down && (a.down || a.weight === b.weight);
}

/** Reload only when nginx runs something else, and never sooner than reloadIntervalSeconds after the last reload. */
export function reloadDecision(
  desired: Record<string, AppliedEntry>,
  observation: RouterObservation,
  s: HealthRouterSettings,
  nowMs: number,
): RoutingDecision['reload'] {
  const differing = Object.entries(desired)
    .filter(([name, want]) => {
      const have = appliedFor(name, want.since, observation);
      return have === null || !sameRouting(have, want);
    })
    .map(([name]) => name);
  if (differing.length === 0) return { action: 'unchanged', reason: 'nginx already runs these weights', waitMs: 0 };
  const waitMs = observation.lastReloadAtMs + s.reloadIntervalSeconds * 1000 - nowMs;
  if (waitMs > 0)
    return {
      action: 'deferred',
      reason: `${differing.join(', ')} changed; the last reload was less than ${s.reloadIntervalSeconds} s ago`,
      waitMs,
    };
  return { action: 'apply', reason: `${differing.join(', ')} changed`, waitMs: 0 };
}

/** Throws when a decision breaks the module's invariants; the tests run it on every table row. */
export function checkRoutingInvariants(observation: RouterObservation, decision: RoutingDecision, s: HealthRouterSettings): void {
  const members = new Map(observation.instances.map((m) => [m.name, m]));
  for (const [name, entry] of Object.entries(decision.desired)) {
    const member = members.get(name);
    if (!member) throw new Error(`routing names ${name}, which is not an upstream member`);
    if (entry.since !== member.since) throw new Error(`routing for ${name} names another incarnation`);
    if (decision.state.instances[name]?.breaker === 'draining' && !entry.down) throw new Error(`${name} is draining but routed`);
    if (!entry.down && (entry.weight < RAMP_START_WEIGHT || entry.weight > s.fullWeight))
      throw new Error(`${name} has weight ${entry.weight} outside [${RAMP_START_WEIGHT}, ${s.fullWeight}]`);
  }
  // Only new ejections must respect the limit; members that left may leave an older one above it.
  if (decision.events.some((e) => e.code === 'Ejected')) {
    const active = Object.values(decision.state.instances).filter((i) => i.breaker !== 'draining');
    const ejected = active.filter((i) => i.breaker === 'open' || i.breaker === 'half-open').length;
    if (ejected > Math.floor((active.length * s.maxEjectedPercent) / 100))
      throw new Error(`${ejected} of ${active.length} members ejected, above ${s.maxEjectedPercent} %`);
  }
}
