import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestCountersFrom } from '../../activities/routing/instance-probe';
import {
  checkRoutingInvariants,
  evaluateRound,
  HEALTH_ROUTER_DEFAULTS,
  initialRouterState,
  type HealthRouterSettings,
  type InstanceCode,
  type RouterObservation,
  type RouterState,
} from '../../policy/routing/health-router';
import { mergeHealthRouterSettings, parseHealthRouterInput } from '../../policy/routing/health-router-input';

const s: HealthRouterSettings = {
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

type Look = 'ok' | 'down' | 'draining' | { ok: true; total: number; errors: number } | { ok: false; total: number; errors: number };

/** One round's observation: instance number → what its probe saw; since = 1000 + n unless overridden. */
function obs(looks: Record<number, Look>, extra: Partial<RouterObservation> = {}, since: Record<number, number> = {}): RouterObservation {
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

interface Step {
  at: number; // seconds
  observation: RouterObservation;
}

/** Runs the rounds in order (the invariant check after each) and returns every decision. */
function run(steps: Step[], settings = s, start: RouterState = initialRouterState()) {
  let state = start;
  return steps.map(({ at, observation }) => {
    const d = evaluateRound(state, observation, settings, at * 1000);
    checkRoutingInvariants(observation, d, settings);
    state = d.state;
    return d;
  });
}

const codeOf = (d: ReturnType<typeof run>[number], n: number) => d.instances.find((i) => i.name === `jarvis-app-${n}`)?.code;
const routeOf = (d: ReturnType<typeof run>[number], n: number) => {
  const e = d.desired[`jarvis-app-${n}`];
  return e ? (e.down ? 'down' : `w${e.weight}`) : 'absent';
};

describe('health router: the circuit breaker', () => {
  const table: Array<{ name: string; steps: Step[]; instance: number; codes: InstanceCode[]; routes: string[] }> = [
    {
      name: 'members found at the start are adopted at full weight, not ramped',
      steps: [{ at: 0, observation: obs({ 1: 'ok', 2: 'ok' }) }],
      instance: 2,
      // A rule that ramped everything at start would cut a healthy platform to weight 1 whenever the router restarts.
      codes: ['Healthy'],
      routes: ['w5'],
    },
    {
      name: 'an instance is ejected after failureThreshold failed rounds in a row, not before',
      steps: [0, 2, 4, 6].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: at === 0 ? 'ok' : 'down' }) })),
      instance: 3,
      // Ejecting on the first failure would have taken it out at 2 s: one slow answer is not a failure.
      codes: ['Healthy', 'HealthProbeFailed', 'HealthProbeFailed', 'Ejected'],
      routes: ['w5', 'w5', 'w5', 'down'],
    },
    {
      name: 'a good round between failures starts the count again',
      steps: ['down', 'down', 'ok', 'down', 'down'].map((look, i) => ({
        at: i * 2,
        observation: obs({ 1: 'ok', 2: 'ok', 3: look as Look }),
      })),
      instance: 3,
      codes: ['HealthProbeFailed', 'HealthProbeFailed', 'Healthy', 'HealthProbeFailed', 'HealthProbeFailed'],
      routes: ['w5', 'w5', 'w5', 'w5', 'w5'],
    },
    {
      name: 'while open, good probes do not count; after openSeconds the half-open probes bring it back at weight 1',
      steps: [
        ...[0, 2, 4].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: 'down' }) })), // ejected at 4 s
        { at: 6, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) }, // open: ignored
        { at: 14, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) }, // 10 s after 4 s: half-open, first good probe
        { at: 16, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) }, // second: recovered
      ],
      instance: 3,
      codes: ['HealthProbeFailed', 'HealthProbeFailed', 'Ejected', 'Open', 'HalfOpenProbeOk', 'Recovered'],
      routes: ['w5', 'w5', 'down', 'down', 'down', 'w1'],
    },
    {
      name: 'one failed half-open probe opens the breaker again for openSeconds',
      steps: [
        ...[0, 2, 4].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: 'down' }) })),
        { at: 14, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) },
        { at: 16, observation: obs({ 1: 'ok', 2: 'ok', 3: 'down' }) }, // reopened at 16
        { at: 18, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) }, // open again: ignored
        { at: 26, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) }, // half-open at 26
      ],
      instance: 3,
      codes: ['HealthProbeFailed', 'HealthProbeFailed', 'Ejected', 'HalfOpenProbeOk', 'Reopened', 'Open', 'HalfOpenProbeOk'],
      routes: ['w5', 'w5', 'down', 'down', 'down', 'down', 'down'],
    },
    {
      name: 'a recovered instance ramps from 1 to full weight in steps over rampSeconds',
      steps: [
        ...[0, 2, 4].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: 'down' }) })),
        ...[14, 16, 26, 36, 46, 55, 56].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) })),
      ],
      instance: 3,
      // Recovered at 16 s; 40 s ramp over 4 steps: +1 every 10 s, full at 56 s.
      codes: [
        'HealthProbeFailed',
        'HealthProbeFailed',
        'Ejected',
        'HalfOpenProbeOk',
        'Recovered',
        'Ramping',
        'Ramping',
        'Ramping',
        'Ramping',
        'Healthy',
      ],
      routes: ['w5', 'w5', 'down', 'down', 'w1', 'w2', 'w3', 'w4', 'w4', 'w5'],
    },
    {
      name: 'a high error rate over enough requests fails a round even when the health check passes',
      steps: [
        { at: 0, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 100, errors: 0 } }) },
        { at: 2, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 200, errors: 60 } }) }, // 60 %
        { at: 4, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 300, errors: 120 } }) }, // 60 %
        { at: 6, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 400, errors: 180 } }) }, // 60 %: third failure
      ],
      instance: 3,
      codes: ['Healthy', 'ErrorRateHigh', 'ErrorRateHigh', 'Ejected'],
      routes: ['w5', 'w5', 'w5', 'down'],
    },
    {
      name: 'fewer than minRequests requests since the last round are not enough to judge an error rate',
      steps: [
        { at: 0, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 100, errors: 0 } }) },
        { at: 2, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 105, errors: 5 } }) }, // 5 requests, all 5xx
      ],
      instance: 3,
      // Judging 5 requests would eject an instance for one unlucky burst.
      codes: ['Healthy', 'Healthy'],
      routes: ['w5', 'w5'],
    },
    {
      name: 'counters that went down (a restart) are not an error rate',
      steps: [
        { at: 0, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 1000, errors: 900 } }) },
        { at: 2, observation: obs({ 1: 'ok', 2: 'ok', 3: { ok: true, total: 20, errors: 0 } }) },
      ],
      instance: 3,
      codes: ['Healthy', 'Healthy'],
      routes: ['w5', 'w5'],
    },
    {
      name: 'a draining instance is ejected at once and never put back, even when its probe answers 200 again',
      steps: [
        { at: 0, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) },
        { at: 2, observation: obs({ 1: 'ok', 2: 'ok', 3: 'draining' }) },
        { at: 20, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }) },
        { at: 22, observation: obs({ 1: 'ok', 2: 'ok' }) }, // the drain took it out of the upstream
      ],
      instance: 3,
      codes: ['Healthy', 'Draining', 'Draining', undefined as unknown as InstanceCode],
      routes: ['w5', 'down', 'down', 'absent'],
    },
    {
      name: 'a member that joins after the start ramps from weight 1',
      steps: [
        { at: 0, observation: obs({ 1: 'ok', 2: 'ok' }) },
        { at: 2, observation: obs({ 1: 'ok', 2: 'ok', 4: 'ok' }) },
        { at: 22, observation: obs({ 1: 'ok', 2: 'ok', 4: 'ok' }) },
      ],
      instance: 4,
      codes: [undefined as unknown as InstanceCode, 'Ramping', 'Ramping'],
      routes: ['absent', 'w1', 'w3'],
    },
    {
      name: 'a name reused by a new incarnation starts afresh, not in its predecessor’s open state',
      steps: [
        ...[0, 2, 4].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'ok', 3: 'down' }) })),
        { at: 6, observation: obs({ 1: 'ok', 2: 'ok' }) },
        { at: 8, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }, {}, { 3: 9999 }) },
      ],
      instance: 3,
      codes: ['HealthProbeFailed', 'HealthProbeFailed', 'Ejected', undefined as unknown as InstanceCode, 'Ramping'],
      routes: ['w5', 'w5', 'down', 'absent', 'w1'],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const decisions = run(row.steps);
      assert.deepEqual(
        decisions.map((d) => codeOf(d, row.instance)),
        row.codes,
      );
      assert.deepEqual(
        decisions.map((d) => routeOf(d, row.instance)),
        row.routes,
      );
    });
  }

  it('scores 0 for a failed health check and 100 × (1 − error rate) otherwise', () => {
    const [, d] = run([
      { at: 0, observation: obs({ 1: { ok: true, total: 100, errors: 0 }, 2: 'down' }) },
      { at: 2, observation: obs({ 1: { ok: true, total: 200, errors: 20 }, 2: 'down' }) },
    ]);
    assert.deepEqual(
      d.instances.map((i) => [i.name, i.score, i.errorRate]),
      [
        ['jarvis-app-1', 80, 0.2],
        ['jarvis-app-2', 0, null],
      ],
    );
  });

  it('never ejects more than maxEjectedPercent of the members: the second failing instance stays in', () => {
    const decisions = run([0, 2, 4].map((at) => ({ at, observation: obs({ 1: 'ok', 2: 'down', 3: 'down' }) })));
    const last = decisions.at(-1)!;
    // floor(3 × 50 %) = 1: an unbounded breaker would have emptied two thirds of the upstream.
    assert.deepEqual([codeOf(last, 2), routeOf(last, 2), codeOf(last, 3), routeOf(last, 3)], ['Ejected', 'down', 'EjectionLimited', 'w5']);
    assert.ok(last.events.some((e) => e.code === 'EjectionLimited' && e.instance === 'jarvis-app-3'));
  });

  it('adopts what a previous router left in nginx: an ejection stays, a ramp goes on from its weight', () => {
    const applied = {
      newMemberWeight: 1,
      entries: { 'jarvis-app-2': { since: 1002, weight: 1, down: true }, 'jarvis-app-3': { since: 1003, weight: 3, down: false } },
    };
    const [first, later] = run([
      { at: 100, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }, { applied }) },
      { at: 110, observation: obs({ 1: 'ok', 2: 'ok', 3: 'ok' }, { applied }) },
    ]);
    assert.deepEqual([routeOf(first, 2), routeOf(first, 3), first.state.instances['jarvis-app-2'].breaker], ['down', 'w3', 'open']);
    assert.equal(routeOf(later, 3), 'w4', 'weight 3 of 5 is half-way: 10 s of a 40 s ramp adds one step');
  });
});

describe('health router: when to reload nginx', () => {
  const steady = obs(
    { 1: 'ok', 2: 'ok' },
    {
      applied: {
        newMemberWeight: 1,
        entries: { 'jarvis-app-1': { since: 1001, weight: 5, down: false }, 'jarvis-app-2': { since: 1002, weight: 5, down: false } },
      },
    },
  );
  const cases: Array<{ name: string; observation: RouterObservation; at: number; action: string; waitMs?: number }> = [
    { name: 'nothing changed: no reload', observation: steady, at: 100, action: 'unchanged' },
    {
      name: 'no router managed the upstream yet: take it over',
      observation: obs({ 1: 'ok', 2: 'ok' }, { applied: null }),
      at: 100,
      action: 'apply',
    },
    { name: 'a member at the new-member weight must go to full weight', observation: obs({ 1: 'ok', 2: 'ok' }), at: 100, action: 'apply' },
    {
      name: 'a change within reloadIntervalSeconds of the last reload waits',
      observation: { ...obs({ 1: 'ok', 2: 'ok' }), lastReloadAtMs: 98_000 },
      at: 100,
      action: 'deferred',
      waitMs: 3_000,
    },
    {
      name: 'a change after the interval goes ahead',
      observation: { ...obs({ 1: 'ok', 2: 'ok' }), lastReloadAtMs: 95_000 },
      at: 100,
      action: 'apply',
    },
    {
      name: 'an entry for another incarnation of a name does not count as applied',
      observation: obs(
        { 1: 'ok', 2: 'ok' },
        {
          applied: {
            newMemberWeight: 1,
            entries: { 'jarvis-app-1': { since: 1001, weight: 5, down: false }, 'jarvis-app-2': { since: 7, weight: 5, down: false } },
          },
        },
      ),
      at: 100,
      action: 'apply',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = evaluateRound(initialRouterState(), c.observation, s, c.at * 1000);
      assert.equal(d.reload.action, c.action, d.reload.reason);
      if (c.waitMs !== undefined) assert.equal(d.reload.waitMs, c.waitMs);
    });
  }
});

describe('health router: settings and input', () => {
  it('takes the worker defaults and the overrides of a run, and refuses a bad override naming the field', () => {
    const parsed = parseHealthRouterInput({ service: 'jarvis-app', failureThreshold: 2, rampSeconds: 12 });
    assert.ok(parsed.ok);
    const merged = mergeHealthRouterSettings(HEALTH_ROUTER_DEFAULTS, parsed.value);
    assert.ok(merged.ok);
    assert.deepEqual(
      [merged.value.failureThreshold, merged.value.rampSeconds, merged.value.probeIntervalSeconds],
      [2, 12, HEALTH_ROUTER_DEFAULTS.probeIntervalSeconds],
    );
  });

  const bad: Array<[unknown, RegExp]> = [
    [{}, /service must be a string/],
    [{ service: 'Jarvis App' }, /service must be lowercase/],
    [{ service: 'jarvis-app', failureThreshold: 0 }, /failureThreshold must be at least 1/],
    [{ service: 'jarvis-app', fullWeight: 2.5 }, /fullWeight must be a whole number/],
    [{ service: 'jarvis-app', maxErrorRate: 0 }, /maxErrorRate must be above 0/],
    [{ service: 'jarvis-app', rampSecs: 3 }, /unknown field\(s\): rampSecs/],
    [{ service: 'jarvis-app', carried: { state: { started: true, instances: { x: { breaker: 'sideways' } } } } }, /carried/],
    ['jarvis-app', /input must be a JSON object/],
  ];
  for (const [input, message] of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const parsed = parseHealthRouterInput(input);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), message);
    });
  }

  it('refuses a probe timeout that would make rounds pile up', () => {
    const merged = mergeHealthRouterSettings(HEALTH_ROUTER_DEFAULTS, {
      service: 'jarvis-app',
      probeIntervalSeconds: 1,
      probeTimeoutMs: 30_000,
    });
    assert.equal(merged.ok, false);
  });
});

describe('reading an instance’s request counters from its /metrics', () => {
  it('sums traffic routes, counts 5xx as errors and leaves out the router’s own probes', () => {
    const text = [
      '# HELP jarvis_requests_total HTTP requests served by this instance',
      '# TYPE jarvis_requests_total counter',
      'jarvis_requests_total{method="GET",route="/api/ping",status="200"} 90',
      'jarvis_requests_total{method="GET",route="/api/notes",status="503"} 7',
      'jarvis_requests_total{method="GET",route="/api/notes/:id",status="404"} 3',
      'jarvis_requests_total{method="GET",route="/api/health",status="503"} 50',
      'jarvis_requests_total{method="GET",route="/metrics",status="200"} 12',
      'jarvis_request_duration_seconds_count{method="GET",route="/api/ping"} 90',
    ].join('\n');
    assert.deepEqual(requestCountersFrom(text), { total: 100, errors: 7 });
  });
});
