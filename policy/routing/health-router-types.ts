// The health router's settings, the state it carries from round to round, what the probes
// saw and what a round decides: plain JSON shapes (see health-router.ts for the rules).

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
