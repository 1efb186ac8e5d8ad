import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNewInstances } from '../../policy/scaling/instance-plan';
import { instanceIndex } from '../../contracts/scaling';

describe('planning new instances', () => {
  const cases: Array<{ name: string; existing: string[]; count: number; expected: string[] }> = [
    { name: 'an empty service starts at 1', existing: [], count: 2, expected: ['jarvis-app-1', 'jarvis-app-2'] },
    { name: 'the next index follows the highest', existing: ['jarvis-app-1', 'jarvis-app-2'], count: 1, expected: ['jarvis-app-3'] },
    // Reusing a gap keeps ports bounded; a "max + 1" rule would have produced jarvis-app-4.
    {
      name: 'a gap left by a removed instance is reused first',
      existing: ['jarvis-app-1', 'jarvis-app-3'],
      count: 2,
      expected: ['jarvis-app-2', 'jarvis-app-4'],
    },
    {
      name: 'names of other services are ignored',
      existing: ['other-1', 'jarvis-app-x', 'jarvis-app-01'],
      count: 1,
      expected: ['jarvis-app-1'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planNewInstances(
        'jarvis-app',
        c.existing.map((name) => ({ name })),
        c.count,
        3100,
      );
      assert.deepEqual(
        plan.map((p) => p.name),
        c.expected,
      );
      for (const p of plan) assert.equal(p.port, 3100 + p.index);
    });
  }

  it('is the same plan when computed again over the same listing (a resumed step)', () => {
    const existing = [{ name: 'jarvis-app-2' }];
    assert.deepEqual(planNewInstances('jarvis-app', existing, 3, 3100), planNewInstances('jarvis-app', existing, 3, 3100));
  });

  it('reads instance indexes only from well-formed names', () => {
    assert.equal(instanceIndex('jarvis-app', 'jarvis-app-12'), 12);
    assert.equal(instanceIndex('jarvis-app', 'jarvis-app-0'), undefined);
    assert.equal(instanceIndex('jarvis-app', 'jarvis-app-1-old'), undefined);
    assert.equal(instanceIndex('jarvis-app', 'jarvis-apps-1'), undefined);
  });
});
