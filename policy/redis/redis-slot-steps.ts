// The per-slot migration state machine. Given what the source and the target each say about
// one slot right now, it names the single next step. Every step is safe to repeat, and the
// machine reaches `done` from any state a crash can leave behind, so a resumed activity just
// observes and continues.
//
// Invariant kept: a key is on exactly one of the two nodes or, after a MIGRATE interrupted
// by IOERR, on both with the source copy authoritative; the slot's owner changes on the
// target first (SETSLOT NODE), only once the source holds no key of the slot.

import { decideSlotOwner, type SlotOwnersFacts, type SlotOwnersReason } from './redis-slot-owners';

export interface SlotSide {
  /** Who this node says owns the slot (null: nobody). */
  owner: string | null;
  migratingTo: string | null;
  importingFrom: string | null;
}

export interface SlotObservation {
  slot: number;
  source: string;
  target: string;
  onSource: SlotSide;
  onTarget: SlotSide;
  /** CLUSTER COUNTKEYSINSLOT on the source. */
  keysOnSource: number;
}

export type SlotStep =
  | { kind: 'set-importing' } // CLUSTER SETSLOT slot IMPORTING source, on the target
  | { kind: 'set-migrating' } // CLUSTER SETSLOT slot MIGRATING target, on the source
  | { kind: 'move-keys' } // GETKEYSINSLOT + MIGRATE … KEYS, on the source
  | { kind: 'assign-on-target' } // CLUSTER SETSLOT slot NODE target, on the target
  | { kind: 'assign-on-source' } // CLUSTER SETSLOT slot NODE target, on the source
  | { kind: 'done' } // both agree the target owns it; the other masters are told next
  | { kind: 'wait'; reason: string } // views disagree in a way gossip settles: observe again
  | { kind: 'conflict'; reason: string }; // someone else is changing this slot: stop

export function nextSlotStep(o: SlotObservation): SlotStep {
  const { source, target, onSource, onTarget, slot } = o;
  if (onTarget.importingFrom && onTarget.importingFrom !== source) {
    return { kind: 'conflict', reason: `slot ${slot}: the target is importing it from ${onTarget.importingFrom}, not from the source` };
  }
  if (onSource.migratingTo && onSource.migratingTo !== target) {
    return { kind: 'conflict', reason: `slot ${slot}: the source is migrating it to ${onSource.migratingTo}, not to the target` };
  }
  if (onSource.importingFrom || onTarget.migratingTo) {
    return { kind: 'conflict', reason: `slot ${slot}: it is open in the opposite direction` };
  }

  const targetOwns = onTarget.owner === target && !onTarget.importingFrom;
  const sourceGaveUp = onSource.owner === target && !onSource.migratingTo;
  if (targetOwns && sourceGaveUp) return { kind: 'done' };

  // Keys still on the source always move first: SETSLOT NODE must never strand a key.
  if (o.keysOnSource > 0) {
    if (onSource.owner !== source) {
      return {
        kind: 'conflict',
        reason: `slot ${slot}: the source holds ${o.keysOnSource} keys of a slot it says ${onSource.owner ?? 'nobody'} owns`,
      };
    }
    if (!onTarget.importingFrom && !targetOwns) return { kind: 'set-importing' };
    if (!onSource.migratingTo) return { kind: 'set-migrating' };
    return { kind: 'move-keys' };
  }

  if (targetOwns) return { kind: 'assign-on-source' };

  if (onSource.owner === source) {
    if (!onTarget.importingFrom) {
      if (onTarget.owner !== source)
        return { kind: 'wait', reason: `slot ${slot}: the target still thinks ${onTarget.owner ?? 'nobody'} owns it` };
      return { kind: 'set-importing' };
    }
    if (!onSource.migratingTo) return { kind: 'set-migrating' };
    return { kind: 'assign-on-target' };
  }
  if (onSource.owner === target) {
    // The source already gave the slot up (gossip outran us); the target only needs to close it.
    if (onTarget.importingFrom) return { kind: 'assign-on-target' };
    return { kind: 'wait', reason: `slot ${slot}: the source says the target owns it, the target says ${onTarget.owner ?? 'nobody'}` };
  }
  return { kind: 'conflict', reason: `slot ${slot}: it belongs to ${onSource.owner ?? 'nobody'}, not to the source` };
}

/** What `redisFix` does with one open, uncovered or multiply owned slot, or why it refuses. */
export type FixAction =
  | { kind: 'finish-migration'; source: string; target: string }
  | { kind: 'close'; node: string }
  | { kind: 'resolve-owners'; owner: string; reason: SlotOwnersReason; moveFrom: string[]; release: string[] }
  | { kind: 'refuse'; reason: string };

export interface OpenSlotFacts {
  slot: number;
  /** The owner in the majority of views; null when nobody owns it. */
  owner: string | null;
  migrating: Array<{ node: string; to: string }>;
  importing: Array<{ node: string; from: string }>;
  /** Keys of the slot per node id, for every master. */
  keys: Record<string, number>;
  /** Set when more than one master owns the slot (split-brain); absent in runs recorded before it existed. */
  split?: SlotOwnersFacts;
}

/**
 * Mirrors the cases `redis-cli --cluster fix` handles, and refuses every other one:
 * - more than one master owns it (split-brain): keep one by policy/redis/redis-slot-owners;
 * - one MIGRATING owner and its matching IMPORTING node: finish the migration;
 * - only an IMPORTING node that holds no key of the slot: close it (SETSLOT STABLE);
 * - only a MIGRATING owner whose target holds no key of the slot: close it.
 */
export function planSlotFix(f: OpenSlotFacts): FixAction {
  if (f.split) {
    const decision = decideSlotOwner(f.split);
    if (decision.kind === 'refuse') return { kind: 'refuse', reason: `${decision.code}: ${decision.reason}` };
    if (decision.kind === 'resolve') {
      const { owner, reason, moveFrom, release } = decision;
      return { kind: 'resolve-owners', owner, reason, moveFrom, release };
    }
  }
  if (f.owner === null)
    return { kind: 'refuse', reason: `slot ${f.slot} has no owner; assigning it needs a person to say where its keys are` };
  const holders = Object.entries(f.keys)
    .filter(([, n]) => n > 0)
    .map(([id]) => id);
  if (f.migrating.length === 1 && f.importing.length === 1) {
    const [m] = f.migrating;
    const [i] = f.importing;
    if (m.node === f.owner && m.to === i.node && i.from === m.node && holders.every((h) => h === m.node || h === i.node)) {
      return { kind: 'finish-migration', source: m.node, target: i.node };
    }
  }
  if (f.migrating.length === 0 && f.importing.length === 1) {
    const [i] = f.importing;
    if (i.node !== f.owner && (f.keys[i.node] ?? 0) === 0) return { kind: 'close', node: i.node };
  }
  if (f.migrating.length === 1 && f.importing.length === 0) {
    const [m] = f.migrating;
    if (m.node === f.owner && (f.keys[m.to] ?? 0) === 0) return { kind: 'close', node: m.node };
  }
  return {
    kind: 'refuse',
    reason: `slot ${f.slot}: owner ${f.owner}, migrating ${JSON.stringify(f.migrating)}, importing ${JSON.stringify(f.importing)}, keys on ${holders.join(', ') || 'no node'}; not a case redisFix is sure about`,
  };
}
