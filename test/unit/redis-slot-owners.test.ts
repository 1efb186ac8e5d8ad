// The split-brain decision: which master keeps a slot more than one master owns, and when
// redisFix refuses instead. One row per rule, with its reason code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSlotOwner, type SlotOwnersDecision, type SlotOwnersFacts } from '../../policy/redis/redis-slot-owners';
import { planSlotFix } from '../../policy/redis/redis-slot-steps';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function facts(over: Partial<SlotOwnersFacts>): SlotOwnersFacts {
  return {
    slot: 42,
    claimants: [A],
    keys: { [A]: 0, [B]: 0, [C]: 0 },
    epochs: { [A]: 1, [B]: 2, [C]: 3 },
    sharedKeys: [],
    unreadable: [],
    open: false,
    uncomparedKeys: 0,
    ...over,
  };
}

const cases: Array<{ name: string; f: SlotOwnersFacts; want: SlotOwnersDecision | { kind: 'refuse'; code: string } }> = [
  { name: 'one claimant, no stray keys: nothing to do', f: facts({ keys: { [A]: 5, [B]: 0, [C]: 0 } }), want: { kind: 'one-owner' } },
  {
    name: 'two claimants, the one with more keys keeps it',
    f: facts({ claimants: [A, B], keys: { [A]: 5, [B]: 2, [C]: 0 } }),
    want: { kind: 'resolve', owner: A, reason: 'MostKeys', moveFrom: [B], release: [B] },
  },
  {
    name: 'the master with more keys keeps it even with the lower epoch and no claim',
    f: facts({ claimants: [B], keys: { [A]: 5, [B]: 2, [C]: 0 } }),
    want: { kind: 'resolve', owner: A, reason: 'MostKeys', moveFrom: [B], release: [B] },
  },
  {
    name: 'a tie on keys goes to the higher config epoch',
    f: facts({ claimants: [A, B], keys: { [A]: 3, [B]: 3, [C]: 0 } }),
    want: { kind: 'resolve', owner: B, reason: 'HigherConfigEpochOnTie', moveFrom: [A], release: [A] },
  },
  {
    name: 'two claimants with no keys: the higher epoch, nothing to move',
    f: facts({ claimants: [C, A] }),
    want: { kind: 'resolve', owner: C, reason: 'HigherConfigEpochOnTie', moveFrom: [], release: [A] },
  },
  {
    name: 'three owners: the claimant without keys is released, the stray keys move',
    f: facts({ claimants: [A, C], keys: { [A]: 0, [B]: 9, [C]: 1 } }),
    want: { kind: 'resolve', owner: B, reason: 'MostKeys', moveFrom: [C], release: [A, C] },
  },
  {
    name: 'the same key on two masters',
    f: facts({ claimants: [A, B], keys: { [A]: 3, [B]: 1 }, sharedKeys: ['k'] }),
    want: { kind: 'refuse', code: 'SameKeyOnTwoMasters' },
  },
  {
    name: 'keys and epochs tie',
    f: facts({ claimants: [A, B], keys: { [A]: 1, [B]: 1 }, epochs: { [A]: 4, [B]: 4 } }),
    want: { kind: 'refuse', code: 'TieUnbroken' },
  },
  {
    name: 'a master could not be read',
    f: facts({ claimants: [A, B], unreadable: [C] }),
    want: { kind: 'refuse', code: 'MasterUnreachable' },
  },
  { name: 'also open', f: facts({ claimants: [A, B], open: true }), want: { kind: 'refuse', code: 'SlotAlsoOpen' } },
  {
    name: 'too many keys to check',
    f: facts({ claimants: [A, B], keys: { [A]: 20_000, [B]: 1 }, uncomparedKeys: 10_000 }),
    want: { kind: 'refuse', code: 'TooManyKeysToCompare' },
  },
];

describe('decideSlotOwner (split-brain)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = decideSlotOwner(c.f);
      if (c.want.kind === 'refuse') {
        assert.equal(got.kind, 'refuse');
        assert.equal(got.kind === 'refuse' && got.code, c.want.code);
        assert.match(got.kind === 'refuse' ? got.reason : '', /^slot 42: /);
      } else assert.deepEqual(got, c.want);
    });
  }

  it('planSlotFix turns a decision into a resolve-owners action, and a refusal into a refuse naming its code', () => {
    const split = facts({ claimants: [A, B], keys: { [A]: 5, [B]: 2, [C]: 0 } });
    const base = { slot: 42, owner: A, migrating: [], importing: [], keys: split.keys };
    assert.deepEqual(planSlotFix({ ...base, split }), {
      kind: 'resolve-owners',
      owner: A,
      reason: 'MostKeys',
      moveFrom: [B],
      release: [B],
    });
    const refused = planSlotFix({ ...base, split: { ...split, sharedKeys: ['k'] } });
    assert.equal(refused.kind, 'refuse');
    assert.match(refused.kind === 'refuse' ? refused.reason : '', /^SameKeyOnTwoMasters: slot 42: /);
  });

  it('facts recorded before split detection existed plan as before', () => {
    const action = planSlotFix({ slot: 7, owner: A, migrating: [], importing: [{ node: B, from: A }], keys: { [A]: 1, [B]: 0 } });
    assert.deepEqual(action, { kind: 'close', node: B });
  });
});
