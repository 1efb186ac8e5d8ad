import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throughHeirs, type HeirReason, type Heirs } from '../../policy/redis/redis-slot-heirs';
import { nextSlotStep, type SlotObservation, type SlotSide } from '../../policy/redis/redis-slot-steps';

const DEAD_SOURCE = 'a'.repeat(40);
const HEIR_SOURCE = 'd'.repeat(40);
const TARGET = 'b'.repeat(40);
const DEAD_TARGET = 'e'.repeat(40);
const HEIR_TARGET = 'f'.repeat(40);
const OTHER = 'c'.repeat(40);

const side = (owner: string | null, migratingTo: string | null = null, importingFrom: string | null = null): SlotSide => ({
  owner,
  migratingTo,
  importingFrom,
});

const sourceDied: Heirs = { source: { dead: DEAD_SOURCE, heir: HEIR_SOURCE } };
const targetDied: Heirs = { target: { dead: DEAD_TARGET, heir: HEIR_TARGET } };

interface Row {
  name: string;
  heirs: Heirs;
  source: string;
  target: string;
  onSource: SlotSide;
  onTarget: SlotSide;
  keys: number;
  reasons: HeirReason[];
  /** nextSlotStep's kind on the rewritten observation. */
  step: string;
}

const rows: Row[] = [
  {
    name: 'seed 20261128 trial 2: the target imports from the dead source and sees nobody own the slot',
    heirs: sourceDied,
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(null, null, DEAD_SOURCE),
    keys: 0,
    reasons: ['TargetImportsFromDeadSource', 'TargetSeesDeadSourceOwner'],
    step: 'set-importing',
  },
  {
    name: 'the same with keys still on the heir',
    heirs: sourceDied,
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(DEAD_SOURCE, null, DEAD_SOURCE),
    keys: 4,
    reasons: ['TargetImportsFromDeadSource', 'TargetSeesDeadSourceOwner'],
    step: 'set-importing',
  },
  {
    name: 'the target has not heard of the failover yet (no import): the heir owns it',
    heirs: sourceDied,
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(DEAD_SOURCE),
    keys: 0,
    reasons: ['TargetSeesDeadSourceOwner'],
    step: 'set-importing',
  },
  {
    name: 'the target sees nobody own a slot it does not import: left alone (gossip settles it)',
    heirs: sourceDied,
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(null),
    keys: 0,
    reasons: [],
    step: 'wait',
  },
  {
    name: 'the target imports from a third node: still a conflict',
    heirs: sourceDied,
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(HEIR_SOURCE, null, OTHER),
    keys: 0,
    reasons: [],
    step: 'conflict',
  },
  {
    name: 'the source migrates to the dead target: re-point to its heir, which imports first',
    heirs: targetDied,
    source: OTHER,
    target: HEIR_TARGET,
    onSource: side(OTHER, DEAD_TARGET),
    onTarget: side(OTHER),
    keys: 3,
    reasons: ['SourceMigratesToDeadTarget'],
    step: 'set-importing',
  },
  {
    name: 'the dead target had taken the slot: its heir owns it, the migration is done',
    heirs: targetDied,
    source: OTHER,
    target: HEIR_TARGET,
    onSource: side(DEAD_TARGET),
    onTarget: side(HEIR_TARGET),
    keys: 0,
    reasons: ['SourceSeesDeadTargetOwner'],
    step: 'done',
  },
  {
    name: 'no dead end named: the observation is untouched',
    heirs: {},
    source: HEIR_SOURCE,
    target: TARGET,
    onSource: side(HEIR_SOURCE),
    onTarget: side(null, null, DEAD_SOURCE),
    keys: 0,
    reasons: [],
    step: 'conflict',
  },
];

describe('throughHeirs: a migration carries on with the replica that took over a dead end', () => {
  for (const row of rows) {
    it(row.name, () => {
      const o: SlotObservation = {
        slot: 33,
        source: row.source,
        target: row.target,
        onSource: row.onSource,
        onTarget: row.onTarget,
        keysOnSource: row.keys,
      };
      const read = throughHeirs(o, row.heirs);
      assert.deepEqual(read.reasons, row.reasons);
      assert.equal(nextSlotStep(read.observation).kind, row.step);
      if (row.reasons.length === 0) assert.equal(read.observation, o, 'untouched when nothing names a dead end');
    });
  }

  it('runs the seed-20261128 slot to done: re-import from the heir, migrate, assign on both', () => {
    const target = side(null, null, DEAD_SOURCE);
    const source = side(HEIR_SOURCE);
    let keys = 2;
    const steps: string[] = [];
    for (let i = 0; i < 20; i++) {
      const o: SlotObservation = { slot: 33, source: HEIR_SOURCE, target: TARGET, onSource: source, onTarget: target, keysOnSource: keys };
      const step = nextSlotStep(throughHeirs(o, sourceDied).observation);
      steps.push(step.kind);
      if (step.kind === 'done') break;
      if (step.kind === 'set-importing') target.importingFrom = HEIR_SOURCE;
      else if (step.kind === 'set-migrating') source.migratingTo = TARGET;
      else if (step.kind === 'move-keys') keys = 0;
      else if (step.kind === 'assign-on-target') Object.assign(target, { owner: TARGET, importingFrom: null });
      else if (step.kind === 'assign-on-source') Object.assign(source, { owner: TARGET, migratingTo: null });
      else assert.fail(`unexpected step ${step.kind}`);
    }
    assert.deepEqual(steps, ['set-importing', 'set-migrating', 'move-keys', 'assign-on-target', 'assign-on-source', 'done']);
  });
});
