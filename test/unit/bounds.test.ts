import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAdd, checkRemove, countInstances, decideScaleTo, placeInBounds, type InstanceCounts } from '../../policy/scaling/bounds';
import { parseScaleToInput } from '../../policy/scaling/scale-to-input';

const BOUNDS = { min: 2, max: 5 };
const SERVICE = 'jarvis-app';
/** `running` running instances and `stopped` listed ones that do not run. */
const counts = (running: number, stopped = 0): InstanceCounts =>
  countInstances([
    ...Array.from({ length: running }, () => ({ running: true })),
    ...Array.from({ length: stopped }, () => ({ running: false })),
  ]);

describe('which instances count', () => {
  it('lists every instance toward the maximum and running ones toward the minimum', () => {
    assert.deepEqual(counts(3, 2), { listed: 5, running: 3 });
  });
});

describe('the bounds rule for a change (checkAdd, checkRemove)', () => {
  const scenarios: Array<{ name: string; check: () => ReturnType<typeof checkAdd>; code: string; why: string }> = [
    {
      name: 'adding up to the maximum is allowed',
      check: () => checkAdd(SERVICE, counts(3), 2, BOUNDS),
      code: 'WithinBounds',
      why: '3 + 2 = 5 = max',
    },
    {
      name: 'adding past the maximum is refused',
      check: () => checkAdd(SERVICE, counts(3), 3, BOUNDS),
      code: 'WouldExceedMaximum',
      why: 'an unclamped add would leave 6 instances over MAX_INSTANCES=5',
    },
    {
      name: 'a stopped instance counts toward the maximum',
      check: () => checkAdd(SERVICE, counts(3, 1), 2, BOUNDS),
      code: 'WouldExceedMaximum',
      why: 'counting running ones only (3 + 2 = 5) would allow it, and 6 instances once the stopped one runs again',
    },
    {
      name: 'removing down to the minimum is allowed',
      check: () => checkRemove(SERVICE, counts(4), 2, BOUNDS),
      code: 'WithinBounds',
      why: '4 − 2 = 2 = min',
    },
    {
      name: 'removing past the minimum is refused',
      check: () => checkRemove(SERVICE, counts(2), 1, BOUNDS),
      code: 'WouldGoBelowMinimum',
      why: 'one running instance would be below MIN_INSTANCES=2',
    },
    {
      name: 'a stopped instance does not count toward the minimum',
      check: () => checkRemove(SERVICE, counts(2, 3), 1, BOUNDS),
      code: 'WouldGoBelowMinimum',
      why: 'counting every listed instance (5 − 1 = 4) would allow it and leave one instance serving',
    },
    {
      name: 'removing a stopped instance never breaks the minimum',
      check: () => checkRemove(SERVICE, counts(2, 1), 0, BOUNDS),
      code: 'WithinBounds',
      why: 'draining an orphan must stay possible at the minimum',
    },
  ];
  for (const s of scenarios) {
    it(s.name, () => assert.equal(s.check().code, s.code, s.why));
  }

  it('names the service, the count and the variable in a refusal', () => {
    const up = checkAdd(SERVICE, counts(3), 3, BOUNDS);
    assert.equal(!up.ok && up.message, 'jarvis-app has 3 instances; adding 3 would exceed MAX_INSTANCES=5');
    const down = checkRemove(SERVICE, counts(2), 1, BOUNDS);
    assert.match(!down.ok ? down.message : '', /^jarvis-app has 2 running instances; removing 1 would go below MIN_INSTANCES=2/);
  });
});

describe('scale to a target inside the mutex (decideScaleTo)', () => {
  const scenarios: Array<{ name: string; now: InstanceCounts; to: number; expect: [string, string, number?]; why: string }> = [
    { name: 'a higher target scales up by the difference', now: counts(3), to: 5, expect: ['scaleUp', 'ScaleToTarget', 2], why: '5 − 3' },
    {
      name: 'a lower target scales down by the difference',
      now: counts(4),
      to: 2,
      expect: ['scaleDown', 'ScaleToTarget', 2],
      why: '4 − 2',
    },
    {
      name: 'the current count does nothing',
      now: counts(3),
      to: 3,
      expect: ['none', 'AtTarget', 0],
      why: 'a zero-count scaleUp would be invalid input',
    },
    {
      name: 'the target is a number of running instances',
      now: counts(2, 1),
      to: 3,
      expect: ['scaleUp', 'ScaleToTarget', 1],
      why: 'counting the stopped one as present would do nothing and leave 2 serving',
    },
    {
      name: 'a target above the maximum is refused',
      now: counts(3),
      to: 6,
      expect: ['refuse', 'TargetAboveMaximum'],
      why: 'clamping silently to 5 would do what nobody asked',
    },
    {
      name: 'a target below the minimum is refused',
      now: counts(3),
      to: 1,
      expect: ['refuse', 'TargetBelowMinimum'],
      why: 'the CLI used to check this against its own configuration, outside the mutex; the worker is what enforces the bounds',
    },
    {
      name: 'a target reachable only past the maximum (stopped instances) is refused',
      now: counts(3, 2),
      to: 5,
      expect: ['refuse', 'WouldExceedMaximum'],
      why: 'adding 2 would list 7; the stopped ones must be drained first',
    },
    {
      name: 'a target below the count with stopped instances still scales down',
      now: counts(4, 3),
      to: 2,
      expect: ['scaleDown', 'ScaleToTarget', 2],
      why: 'removal only lowers the listed count, so the stopped ones cannot block it',
    },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const d = decideScaleTo(SERVICE, s.now, s.to, BOUNDS);
      const seen: [string, string, number?] = d.action === 'refuse' ? [d.action, d.code] : [d.action, d.code, d.count];
      assert.deepEqual(seen, s.expect, s.why);
    });
  }

  it('a refusal names the target and the bounds', () => {
    const d = decideScaleTo(SERVICE, counts(3), 9, BOUNDS);
    assert.match(
      d.action === 'refuse' ? d.message : '',
      /cannot be scaled to 9: the target is outside \[MIN_INSTANCES=2, MAX_INSTANCES=5\]/,
    );
  });

  it('where a count stands against the bounds', () => {
    assert.deepEqual(
      [1, 2, 5, 6].map((n) => placeInBounds(n, BOUNDS)),
      ['BelowMinimum', 'WithinBounds', 'WithinBounds', 'AboveMaximum'],
    );
  });
});

describe('scaleTo input', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['a fractional target', { service: SERVICE, to: 2.5 }, /to must be a whole number of instances/],
    ['a negative target', { service: SERVICE, to: -1 }, /to must not be negative/],
    ['no target', { service: SERVICE }, /to must be a number of instances/],
    ['a bad service', { service: 'Jarvis_App', to: 3 }, /service must be lowercase/],
    ['an unknown field', { service: SERVICE, to: 3, count: 1 }, /unknown field\(s\): count/],
  ];
  for (const [name, raw, message] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      const parsed = parseScaleToInput(raw);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), message);
    });
  }

  it('fills the defaults of scaleUp and scaleDown', () => {
    assert.deepEqual(parseScaleToInput({ service: SERVICE, to: 3 }), {
      ok: true,
      value: { service: SERVICE, to: 3, cooldownSeconds: 300, healthTimeoutSeconds: 60, drainTimeoutSeconds: 30 },
    });
  });
});
