import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyTransition,
  checkInvariants,
  goalReached,
  InvariantViolation,
  resolvePlan,
  type ClusterModel,
  type PlanGoal,
  type Transition,
} from '../../policy/postgres/pg-plan';

const healthy = (): ClusterModel => ({
  nodes: [
    { name: 'primary', running: true, writable: true, fenced: false, follows: null },
    { name: 'replica1', running: true, writable: false, fenced: false, follows: 'primary' },
    { name: 'replica2', running: true, writable: false, fenced: false, follows: 'primary' },
  ],
  published: { primary: 'primary', replicas: ['replica1', 'replica2'] },
  syncRestoredOn: 'primary',
  caughtUp: null,
});

/** The primary was SIGKILLed: unreachable (so possibly running), the standbys' receivers gone. */
const primaryKilled = (): ClusterModel => {
  const m = healthy();
  m.nodes[1].follows = null;
  m.nodes[2].follows = null;
  m.syncRestoredOn = null;
  return m;
};

/** Every plan from the promotion on: promote, re-point the other standby, publish, restore sync, rejoin the old primary, publish again. */
const fromPromotion = (newPrimary: string, otherStandby: string) => [
  `promote ${newPrimary}`,
  `repoint ${otherStandby}`,
  `publish ${newPrimary}`,
  `restoreSync ${newPrimary}`,
  'rejoin primary',
  `publish ${newPrimary}`,
];

const scenarios: Array<{ name: string; model: () => ClusterModel; goal: PlanGoal; expected: string[] }> = [
  {
    name: 'failover after a kill: fence, promote, re-point, publish, sync, rejoin, publish again',
    model: primaryKilled,
    goal: { kind: 'failover', oldPrimary: 'primary', newPrimary: 'replica1' },
    expected: ['fence primary', ...fromPromotion('replica1', 'replica2')],
  },
  {
    // A wrong rule that promoted before fencing would put two writable servers up while
    // replica2 still streams from the hung primary.
    name: 'failover of a hung primary whose standbys still follow it fences first',
    model: healthy,
    goal: { kind: 'failover', oldPrimary: 'primary', newPrimary: 'replica2' },
    expected: ['fence primary', ...fromPromotion('replica2', 'replica1')],
  },
  {
    name: 'switchover stops the primary cleanly and waits for the target to catch up before promoting',
    model: healthy,
    goal: { kind: 'switchover', oldPrimary: 'primary', newPrimary: 'replica1' },
    expected: ['fence primary', 'catchUp replica1', ...fromPromotion('replica1', 'replica2')],
  },
];

const label = (t: Transition) => `${t.kind} ${'node' in t ? t.node : t.primary}`;

function applyAll(model: ClusterModel, plan: Transition[]): ClusterModel {
  return plan.reduce((m, t) => applyTransition(m, t), model);
}

describe('failover and switchover plans', () => {
  for (const s of scenarios) {
    it(`plans: ${s.name}`, () => {
      const plan = resolvePlan(s.model(), s.goal);
      assert.deepEqual(plan.map(label), s.expected);
      assert.ok(goalReached(applyAll(s.model(), plan), s.goal), 'the whole plan reaches the goal');
    });

    it(`resumes from every prefix to exactly the rest of the plan: ${s.name}`, () => {
      const full = resolvePlan(s.model(), s.goal);
      for (let k = 0; k <= full.length; k++) {
        // The state a run interrupted after k transitions leaves behind.
        const resumedFrom = applyAll(s.model(), full.slice(0, k));
        checkInvariants(resumedFrom);
        const rest = resolvePlan(resumedFrom, s.goal);
        assert.deepEqual(rest, full.slice(k), `after ${k} transition(s) the resumed plan is the remaining suffix`);
        assert.ok(goalReached(applyAll(resumedFrom, rest), s.goal), `after ${k}: the goal is reached`);
      }
    });
  }

  it('a completed plan resolves to nothing', () => {
    const goal: PlanGoal = { kind: 'failover', oldPrimary: 'primary', newPrimary: 'replica1' };
    const done = applyAll(primaryKilled(), resolvePlan(primaryKilled(), goal));
    assert.deepEqual(resolvePlan(done, goal), []);
  });

  it('refuses to promote while the old primary is writable and not fenced', () => {
    assert.throws(() => applyTransition(healthy(), { kind: 'promote', node: 'replica1' }), InvariantViolation);
  });

  it('refuses to point a standby at a server that does not accept writes', () => {
    assert.throws(() => applyTransition(healthy(), { kind: 'repoint', node: 'replica2', to: 'replica1' }), /does not accept writes/);
  });

  it('the invariant check catches two servers that can acknowledge writes', () => {
    const split: ClusterModel = {
      nodes: [
        { name: 'primary', running: true, writable: true, fenced: true, follows: null },
        { name: 'replica1', running: true, writable: true, fenced: false, follows: null },
        { name: 'replica2', running: true, writable: false, fenced: false, follows: 'primary' },
        { name: 'extra', running: true, writable: false, fenced: false, follows: 'replica1' },
      ],
      published: null,
      syncRestoredOn: null,
      caughtUp: null,
    };
    assert.throws(() => checkInvariants(split), /more than one server can acknowledge writes: primary, replica1/);
  });

  it('rejects a goal whose new primary is the old one', () => {
    assert.throws(() => resolvePlan(healthy(), { kind: 'switchover', oldPrimary: 'primary', newPrimary: 'primary' }), /must differ/);
  });
});
