// What the health router's table tests share: settings, an observation builder and a
// runner that checks the routing invariants after every round.
import {
  checkRoutingInvariants,
  evaluateRound,
  HEALTH_ROUTER_DEFAULTS,
  initialRouterState,
  type HealthRouterSettings,
  type RouterObservation,
  type RouterState,
} from '../../policy/routing/health-router';

export const s: HealthRouterSettings = {
  ...HEALTH_ROUTER_DEFAULTS,
  failureThreshold: 3,
  openSeconds: 10,
  recoveryProbes: 2,
  rampSeconds: 40,
  fullWeight: 5,
  reloadIntervalSeconds: 5,
  maxErrorRate: 0.5,
  minRequests: 10,
  maxEjectedPercent: 50,
};

export type Look = 'ok' | 'down' | 'draining' | { ok: true; total: number; errors: number } | { ok: false; total: number; errors: number };

/** One round's observation: instance number → what its probe saw; since = 1000 + n unless overridden. */
export function obs(
  looks: Record<number, Look>,
  extra: Partial<RouterObservation> = {},
  since: Record<number, number> = {},
): RouterObservation {
  return {
    instances: Object.entries(looks).map(([n, look]) => {
      const counters = typeof look === 'object' ? { total: look.total, errors: look.errors } : { total: 0, errors: 0 };
      const ok = typeof look === 'object' ? look.ok : look === 'ok';
      return {
        name: `jarvis-app-${n}`,
        port: 3100 + Number(n),
        since: since[Number(n)] ?? 1000 + Number(n),
        health: {
          ok,
          draining: look === 'draining',
          answer: look === 'draining' ? 'HTTP 503 draining' : ok ? 'HTTP 200 ready' : 'no answer in 1000 ms',
        },
        requests: counters,
      };
    }),
    applied: { newMemberWeight: 1, entries: {} },
    lastReloadAtMs: 0,
    ...extra,
  };
}

export interface Step {
  at: number; // seconds
  observation: RouterObservation;
}

/** Runs the rounds in order (the invariant check after each) and returns every decision. */
export function run(steps: Step[], settings = s, start: RouterState = initialRouterState()) {
  let state = start;
  return steps.map(({ at, observation }) => {
    const d = evaluateRound(state, observation, settings, at * 1000);
    checkRoutingInvariants(observation, d, settings);
    state = d.state;
    return d;
  });
}

export const codeOf = (d: ReturnType<typeof run>[number], n: number) => d.instances.find((i) => i.name === `jarvis-app-${n}`)?.code;
export const routeOf = (d: ReturnType<typeof run>[number], n: number) => {
  const e = d.desired[`jarvis-app-${n}`];
  return e ? (e.down ? 'down' : `w${e.weight}`) : 'absent';
};
