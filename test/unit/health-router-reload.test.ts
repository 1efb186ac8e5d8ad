import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestCountersFrom } from '../../activities/routing/instance-probe';
import { evaluateRound, HEALTH_ROUTER_DEFAULTS, initialRouterState, type RouterObservation } from '../../policy/routing/health-router';
import { mergeHealthRouterSettings, parseHealthRouterInput } from '../../policy/routing/health-router-input';
import { obs, s } from './health-router-fixtures';

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
