import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type InstanceCode } from '../../policy/routing/health-router';
import { codeOf, obs, routeOf, run, type Look, type Step } from './health-router-fixtures';

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
