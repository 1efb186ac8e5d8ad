// Split-brain: one slot with more than one owner. A master "owns" a slot when it claims it in
// its own CLUSTER NODES, or when it holds keys of it (what `redis-cli --cluster fix
// --cluster-search-multiple-owners` counts too). Pure: redisFix plans from it, tests table it.
//
// redis-cli keeps the master with the most keys of the slot (clusterManagerGetNodeWithMostKeysInSlot,
// strict `>`, so on a tie the first node in its list wins). A list order is an accident of
// which node answered first, so on a tie this keeps the master with the higher config epoch:
// the claim the cluster's own gossip would keep. When even that ties, or when one key name is
// on two masters, it refuses and a person decides: redis-cli compares the two values with
// DEBUG DIGEST-VALUE (off by default since Redis 7), and a master answers MOVED to any read of
// a slot it does not claim, so the values cannot be compared without changing the slot's state.

export type SlotOwnersReason = 'MostKeys' | 'HigherConfigEpochOnTie';

export type SlotOwnersRefusal = 'SlotAlsoOpen' | 'MasterUnreachable' | 'SameKeyOnTwoMasters' | 'TieUnbroken' | 'TooManyKeysToCompare';

export interface SlotOwnersFacts {
  slot: number;
  /** Masters that claim the slot in their own CLUSTER NODES. */
  claimants: string[];
  /** Keys of the slot on each master, by node id. */
  keys: Record<string, number>;
  /** Each master's config epoch, from its own CLUSTER NODES. */
  epochs: Record<string, number>;
  /** Key names that more than one master holds (a sample, at most a few). */
  sharedKeys: string[];
  /** Masters that could not be read (failing or not answering): their keys are unknown. */
  unreadable: string[];
  /** The slot is also migrating or importing somewhere. */
  open: boolean;
  /** Keys whose names the activity did not read, because there were too many. */
  uncomparedKeys: number;
}

export type SlotOwnersDecision =
  | { kind: 'one-owner' }
  | {
      kind: 'resolve';
      owner: string;
      reason: SlotOwnersReason;
      /** Other masters that hold keys of the slot: their keys move to the owner. */
      moveFrom: string[];
      /** Other masters that claim the slot: they give it up (CLUSTER DELSLOTS) before the owner claims it. */
      release: string[];
    }
  | { kind: 'refuse'; code: SlotOwnersRefusal; reason: string };

/** Every master that owns the slot in redis-cli's sense, in a stable order. */
export function slotOwnersOf(f: SlotOwnersFacts): string[] {
  const holders = Object.entries(f.keys)
    .filter(([, n]) => n > 0)
    .map(([id]) => id);
  return [...new Set([...f.claimants, ...holders])].sort();
}

export function decideSlotOwner(f: SlotOwnersFacts): SlotOwnersDecision {
  const owners = slotOwnersOf(f);
  if (owners.length <= 1 && f.unreadable.length === 0) return { kind: 'one-owner' };
  const refuse = (code: SlotOwnersRefusal, why: string): SlotOwnersDecision => ({ kind: 'refuse', code, reason: `slot ${f.slot}: ${why}` });
  if (f.unreadable.length > 0)
    return refuse('MasterUnreachable', `master(s) ${f.unreadable.join(', ')} could not be read, so their keys are unknown`);
  if (f.open) return refuse('SlotAlsoOpen', `${owners.length} masters own it and it is also open (migrating or importing)`);
  if (f.sharedKeys.length > 0)
    return refuse(
      'SameKeyOnTwoMasters',
      `more than one master holds the key(s) ${f.sharedKeys.join(', ')}; which copy is right is not ours to tell`,
    );
  if (f.uncomparedKeys > 0)
    return refuse('TooManyKeysToCompare', `${f.uncomparedKeys} keys were too many to check for names on two masters`);

  const keysOf = (id: string) => f.keys[id] ?? 0;
  const most = Math.max(...owners.map(keysOf));
  const leaders = owners.filter((id) => keysOf(id) === most);
  let owner = leaders[0];
  let reason: SlotOwnersReason = 'MostKeys';
  if (leaders.length > 1) {
    const epochOf = (id: string) => f.epochs[id] ?? -1;
    const top = Math.max(...leaders.map(epochOf));
    const byEpoch = leaders.filter((id) => epochOf(id) === top);
    if (byEpoch.length > 1 || top < 0)
      return refuse('TieUnbroken', `masters ${leaders.join(', ')} hold ${most} keys each and share config epoch ${top}`);
    owner = byEpoch[0];
    reason = 'HigherConfigEpochOnTie';
  }
  return {
    kind: 'resolve',
    owner,
    reason,
    moveFrom: owners.filter((id) => id !== owner && keysOf(id) > 0),
    release: f.claimants.filter((id) => id !== owner).sort(),
  };
}
