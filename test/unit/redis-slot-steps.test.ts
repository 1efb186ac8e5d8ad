import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisAddNodeInput, parseRedisReshardInput } from '../../policy/redis/redis-input';
import { nextSlotStep, planSlotFix, type SlotObservation, type SlotStep } from '../../policy/redis/redis-slot-steps';

const S = 's'.repeat(40).replace(/s/g, 'a');
const T = 'b'.repeat(40);
const X = 'c'.repeat(40);

/** A pure model of the two nodes' slot state, applying steps the way Redis does. */
interface Model {
  source: { owner: string | null; migratingTo: string | null; importingFrom: string | null; keys: number };
  target: { owner: string | null; migratingTo: string | null; importingFrom: string | null; keys: number };
}

function fresh(keys: number): Model {
  return {
    source: { owner: S, migratingTo: null, importingFrom: null, keys },
    target: { owner: S, migratingTo: null, importingFrom: null, keys: 0 },
  };
}

function observe(m: Model): SlotObservation {
  const side = (x: Model['source']) => ({ owner: x.owner, migratingTo: x.migratingTo, importingFrom: x.importingFrom });
  return { slot: 7, source: S, target: T, onSource: side(m.source), onTarget: side(m.target), keysOnSource: m.source.keys };
}

/** Applies one step; moves at most 3 keys per MIGRATE, like a small batch. */
function apply(m: Model, step: SlotStep): void {
  switch (step.kind) {
    case 'set-importing':
      m.target.importingFrom = S;
      break;
    case 'set-migrating':
      m.source.migratingTo = T;
      break;
    case 'move-keys': {
      const n = Math.min(3, m.source.keys);
      m.source.keys -= n;
      m.target.keys += n;
      break;
    }
    case 'assign-on-target':
      m.target.owner = T;
      m.target.importingFrom = null;
      break;
    case 'assign-on-source':
      assert.equal(m.source.keys, 0, 'SETSLOT NODE on the source never strands a key');
      m.source.owner = T;
      m.source.migratingTo = null;
      break;
    default:
      throw new Error(`unexpected step ${JSON.stringify(step)}`);
  }
}

function runToDone(m: Model, limit = 50): string[] {
  const steps: string[] = [];
  for (let i = 0; i < limit; i++) {
    const step = nextSlotStep(observe(m));
    if (step.kind === 'done') return steps;
    steps.push(step.kind);
    apply(m, step);
  }
  throw new Error(`no done after ${limit} steps: ${steps.join(',')}`);
}

describe('the per-slot migration state machine', () => {
  it('runs the documented order on a slot with keys', () => {
    const steps = runToDone(fresh(7));
    assert.deepEqual(steps, [
      'set-importing',
      'set-migrating',
      'move-keys',
      'move-keys',
      'move-keys',
      'assign-on-target',
      'assign-on-source',
    ]);
  });

  it('skips MIGRATE for an empty slot', () => {
    assert.deepEqual(runToDone(fresh(0)), ['set-importing', 'set-migrating', 'assign-on-target', 'assign-on-source']);
  });

  // A resumed activity sees whatever state the prefix left and must finish with the same end state.
  for (const keys of [0, 7]) {
    const full = runToDone(fresh(keys));
    for (let prefix = 0; prefix <= full.length; prefix++) {
      for (const repeatLast of [false, true]) {
        it(`resumes after ${prefix} of ${full.length} steps (keys ${keys}${repeatLast ? ', last step applied twice' : ''})`, () => {
          const m = fresh(keys);
          const done = runToDone(fresh(keys));
          for (let i = 0; i < prefix; i++) apply(m, { kind: done[i] } as SlotStep);
          if (repeatLast && prefix > 0 && done[prefix - 1] !== 'move-keys') apply(m, { kind: done[prefix - 1] } as SlotStep);
          const rest = runToDone(m);
          assert.deepEqual(rest, full.slice(prefix), 'the rest of the plan, no step lost or repeated');
          assert.equal(m.source.owner, T);
          assert.equal(m.target.owner, T);
          assert.equal(m.target.keys, keys, 'every key is on the target');
          assert.equal(m.source.migratingTo, null);
          assert.equal(m.target.importingFrom, null);
        });
      }
    }
  }

  const conflicts: Array<{ name: string; o: Partial<SlotObservation> }> = [
    { name: 'the target imports from another node', o: { onTarget: { owner: S, migratingTo: null, importingFrom: X } } },
    { name: 'the source migrates to another node', o: { onSource: { owner: S, migratingTo: X, importingFrom: null } } },
    {
      name: 'a third node owns the slot',
      o: { onSource: { owner: X, migratingTo: null, importingFrom: null }, onTarget: { owner: X, migratingTo: null, importingFrom: null } },
    },
  ];
  for (const c of conflicts) {
    it(`stops with a conflict when ${c.name}`, () => {
      const o = { ...observe(fresh(1)), ...c.o };
      assert.equal(nextSlotStep(o).kind, 'conflict');
    });
  }

  it('waits while the target has not yet heard who owns the slot', () => {
    const o = observe(fresh(0));
    o.onTarget.owner = X;
    assert.equal(nextSlotStep(o).kind, 'wait');
  });

  it('moves keys left on the source even after the target took the slot', () => {
    const o = observe(fresh(2));
    o.onSource.migratingTo = T;
    o.onTarget.owner = T;
    assert.equal(nextSlotStep(o).kind, 'move-keys');
  });
});

describe('deciding how to fix an open slot', () => {
  const base = {
    slot: 1,
    owner: S,
    migrating: [] as Array<{ node: string; to: string }>,
    importing: [] as Array<{ node: string; from: string }>,
    keys: {} as Record<string, number>,
  };
  const cases: Array<{ name: string; facts: typeof base; expected: string }> = [
    {
      name: 'a matching migrating/importing pair is finished',
      facts: { ...base, migrating: [{ node: S, to: T }], importing: [{ node: T, from: S }], keys: { [S]: 3, [T]: 2 } },
      expected: 'finish-migration',
    },
    {
      name: 'a lone importing node without keys is closed',
      facts: { ...base, importing: [{ node: T, from: S }], keys: { [S]: 3 } },
      expected: 'close',
    },
    {
      name: 'a lone importing node holding keys is refused',
      facts: { ...base, importing: [{ node: T, from: S }], keys: { [S]: 3, [T]: 1 } },
      expected: 'refuse',
    },
    {
      name: 'a lone migrating owner whose target is empty is closed',
      facts: { ...base, migrating: [{ node: S, to: T }], keys: { [S]: 3 } },
      expected: 'close',
    },
    { name: 'an uncovered slot is refused', facts: { ...base, owner: null as unknown as string }, expected: 'refuse' },
    {
      name: 'keys on a third node are refused',
      facts: { ...base, migrating: [{ node: S, to: T }], importing: [{ node: T, from: S }], keys: { [X]: 1 } },
      expected: 'refuse',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(planSlotFix(c.facts).kind, c.expected));
});

describe('redis input schemas', () => {
  const node = 'a'.repeat(40);
  const cases: Array<{ name: string; raw: unknown; problem?: RegExp }> = [
    { name: 'a count', raw: { target: node, slots: 100 } },
    { name: 'named ranges', raw: { target: node, ranges: ['0-99', 200] } },
    { name: 'neither slots nor ranges', raw: { target: node }, problem: /exactly one of slots/ },
    { name: 'a slot past 16383', raw: { target: node, ranges: ['16000-16384'] }, problem: /within 0\.\.16383/ },
    { name: 'a reversed range', raw: { target: node, ranges: ['9-3'] }, problem: /first ≤ last/ },
    { name: 'a short node id', raw: { target: 'abc', slots: 1 }, problem: /target must be a node id/ },
    { name: 'an unknown field', raw: { target: node, slots: 1, password: 'x' }, problem: /unknown field\(s\): password/ },
    { name: 'zero slots', raw: { target: node, slots: 0 }, problem: /slots must be at least 1/ },
  ];
  for (const c of cases) {
    it(`reshard input: ${c.name}`, () => {
      const parsed = parseRedisReshardInput(c.raw);
      if (!c.problem) return assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), c.problem);
    });
  }

  it('add-node input checks the port range', () => {
    const parsed = parseRedisAddNodeInput({ port: 60000 });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.problems[0], /port must be at most 55535/);
  });
});
