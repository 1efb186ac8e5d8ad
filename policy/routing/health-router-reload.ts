// When nginx is reloaded, and the invariants every routing decision keeps.
import {
  RAMP_START_WEIGHT,
  type AppliedEntry,
  type HealthRouterSettings,
  type RouterObservation,
  type RoutingDecision,
} from './health-router-types';

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
