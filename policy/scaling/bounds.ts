// The one min/max bounds rule (DESIGN.md invariant 1: a service's instance count stays in
// [MIN_INSTANCES, MAX_INSTANCES]). scaleUp, scaleDown, drainInstance, scaleTo and the
// autoscaler all ask it; the CLI asks nothing itself, since only a workflow holding the
// scale/<service> mutex sees a count that cannot change under it.
//
// WHICH INSTANCES COUNT: each bound counts the instances that could break it.
// - Toward the maximum, every instance the orchestrator lists, running or not. A listed
//   instance that is not running may run again without us: Swarm restarts its tasks, a
//   container may be mid-start, and a stopped one still holds its name and port. Counting
//   only running ones would let a scale-up add instances that end up over the maximum.
// - Toward the minimum, running instances only: only they serve. Counting a stopped one
//   would let a scale-down remove a serving instance while a dead one "fills" the minimum.
// A stopped instance is an orphan (invariant 3), removed with drainInstance; removing it
// never breaks the minimum. A target count (scale --to N, an autoscale decision) is a
// number of running instances.

export interface Bounds {
  min: number;
  max: number;
}

export interface InstanceCounts {
  /** Every instance the orchestrator lists, running or not: what the maximum counts. */
  listed: number;
  /** Running instances: what the minimum counts. */
  running: number;
}

export function countInstances(instances: ReadonlyArray<{ running: boolean }>): InstanceCounts {
  return { listed: instances.length, running: instances.filter((i) => i.running).length };
}

export type BoundsPosition = 'BelowMinimum' | 'WithinBounds' | 'AboveMaximum';

/** Where a number of running instances stands against the bounds. */
export function placeInBounds(running: number, bounds: Bounds): BoundsPosition {
  if (running < bounds.min) return 'BelowMinimum';
  if (running > bounds.max) return 'AboveMaximum';
  return 'WithinBounds';
}

export type BoundsCheck =
  { ok: true; code: 'WithinBounds' } | { ok: false; code: 'WouldExceedMaximum' | 'WouldGoBelowMinimum'; message: string };

const WITHIN: BoundsCheck = { ok: true, code: 'WithinBounds' };

/** May `count` new instances be added? */
export function checkAdd(service: string, counts: InstanceCounts, count: number, bounds: Bounds): BoundsCheck {
  if (counts.listed + count <= bounds.max) return WITHIN;
  return {
    ok: false,
    code: 'WouldExceedMaximum',
    message: `${service} has ${counts.listed} instances; adding ${count} would exceed MAX_INSTANCES=${bounds.max}`,
  };
}

/** May `count` running instances be removed? (Removing a stopped one is always allowed: pass 0.) */
export function checkRemove(service: string, counts: InstanceCounts, count: number, bounds: Bounds): BoundsCheck {
  if (counts.running - count >= bounds.min) return WITHIN;
  return {
    ok: false,
    code: 'WouldGoBelowMinimum',
    message: `${service} has ${counts.running} running instances; removing ${count} would go below MIN_INSTANCES=${bounds.min} (scale up first to replace an instance)`,
  };
}

export type ScaleToDecision =
  | { action: 'scaleUp' | 'scaleDown'; code: 'ScaleToTarget'; count: number; current: number }
  | { action: 'none'; code: 'AtTarget'; count: 0; current: number }
  | { action: 'refuse'; code: 'TargetBelowMinimum' | 'TargetAboveMaximum' | 'WouldExceedMaximum'; current: number; message: string };

/** How to reach `to` running instances, decided under the mutex from the counts read there. */
export function decideScaleTo(service: string, counts: InstanceCounts, to: number, bounds: Bounds): ScaleToDecision {
  const current = counts.running;
  const position = placeInBounds(to, bounds);
  if (position !== 'WithinBounds') {
    return {
      action: 'refuse',
      code: position === 'BelowMinimum' ? 'TargetBelowMinimum' : 'TargetAboveMaximum',
      current,
      message: `${service} cannot be scaled to ${to}: the target is outside [MIN_INSTANCES=${bounds.min}, MAX_INSTANCES=${bounds.max}] (it runs ${current})`,
    };
  }
  if (to === current) return { action: 'none', code: 'AtTarget', count: 0, current };
  if (to < current) return { action: 'scaleDown', code: 'ScaleToTarget', count: current - to, current };
  const add = checkAdd(service, counts, to - current, bounds);
  if (!add.ok) {
    const stopped = counts.listed - counts.running;
    return {
      action: 'refuse',
      code: 'WouldExceedMaximum',
      current,
      message: `${add.message}; drain its ${stopped} stopped instance(s) first`,
    };
  }
  return { action: 'scaleUp', code: 'ScaleToTarget', count: to - current, current };
}
