// A slot's state after one end of its migration died and the cluster's own failover promoted
// that end's replica (its heir). Slot migration states (MIGRATING, IMPORTING) live on one node
// only: a replica does not inherit them, and the live end still names the dead node. So the
// target keeps importing from the dead source, or the source keeps migrating to the dead target,
// and nextSlotStep called that a conflict: the migration failed with SlotConflict and left the
// slot importing, unowned in the target's view (a node does not take a slot update from gossip
// while it imports the slot), CLUSTERDOWN for writers (chaos seed 20261128 trial 2,
// docs/chaos.md). Here a reference to the dead end counts as "not set": the state machine then
// re-opens the slot towards the heir (SETSLOT IMPORTING or MIGRATING again overwrites the stale
// node id) and carries on with it.
import type { SlotObservation, SlotSide } from './redis-slot-steps';

/** A planned migration end that died, and the live master that took over its slots. */
export interface Heir {
  dead: string;
  heir: string;
}

export interface Heirs {
  source?: Heir;
  target?: Heir;
}

export type HeirReason =
  /** The target imports from the dead source: re-point the import to the source's heir. */
  | 'TargetImportsFromDeadSource'
  /** The target's view still gives the slot to the dead source, or to nobody while importing from it. */
  | 'TargetSeesDeadSourceOwner'
  /** The source migrates to the dead target: re-point the migration to the target's heir. */
  | 'SourceMigratesToDeadTarget'
  /** The source's view gives the slot to the dead target, whose heir now holds its slots. */
  | 'SourceSeesDeadTargetOwner';

export interface HeirReading {
  observation: SlotObservation;
  /** Why the observation was rewritten; empty when no dead end was named. */
  reasons: HeirReason[];
}

/**
 * The observation as it reads once the dead ends are replaced by their heirs; the observation's
 * own `source` and `target` are already the heirs. Pure: the caller re-reads both nodes
 * before every step, so a rewritten step is repeated only until the real state agrees.
 */
export function throughHeirs(o: SlotObservation, heirs: Heirs): HeirReading {
  const reasons: HeirReason[] = [];
  let onSource: SlotSide = o.onSource;
  let onTarget: SlotSide = o.onTarget;
  const source = heirs.source;
  if (source && source.heir === o.source) {
    const importsFromDead = onTarget.importingFrom === source.dead;
    if (importsFromDead) {
      reasons.push('TargetImportsFromDeadSource');
      onTarget = { ...onTarget, importingFrom: null };
    }
    if (onTarget.owner === source.dead || (importsFromDead && onTarget.owner === null)) {
      reasons.push('TargetSeesDeadSourceOwner');
      onTarget = { ...onTarget, owner: source.heir };
    }
  }
  const target = heirs.target;
  if (target && target.heir === o.target) {
    if (onSource.migratingTo === target.dead) {
      reasons.push('SourceMigratesToDeadTarget');
      onSource = { ...onSource, migratingTo: null };
    }
    if (onSource.owner === target.dead) {
      reasons.push('SourceSeesDeadTargetOwner');
      onSource = { ...onSource, owner: target.heir };
    }
  }
  return reasons.length === 0 ? { observation: o, reasons } : { observation: { ...o, onSource, onTarget }, reasons };
}
