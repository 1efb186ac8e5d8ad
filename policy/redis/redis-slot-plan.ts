// Slot plans: which slots move from which master to which. Pure and deterministic, so a
// workflow computes its plan once from a topology view and keeps it in its state.
import {
  address,
  compressSlots,
  expandRanges,
  masters,
  nodeById,
  slotCount,
  slotOwners,
  SLOT_COUNT,
  type ClusterNode,
  type ClusterView,
  type SlotRange,
} from './redis-cluster-view';

export interface NodeRef {
  id: string;
  host: string;
  port: number;
}

/** Slots moving from one master to another; slots within a pair move one at a time, in order. */
export interface SlotMovePair {
  source: NodeRef;
  target: NodeRef;
  ranges: SlotRange[];
}

export interface SlotPlan {
  pairs: SlotMovePair[];
  /**
   * Indexes into `pairs`, grouped so that no node appears in two lanes: lanes may run in
   * parallel, the pairs inside one lane run one after the other.
   */
  lanes: number[][];
  totalSlots: number;
}

export type PlanRejectionCode = 'UnknownNode' | 'NotAMaster' | 'NotEnoughSlots' | 'InvalidInput' | 'ClusterNotHealthy';

export type PlanResult = { ok: true; plan: SlotPlan } | { ok: false; code: PlanRejectionCode; message: string };

const reject = (code: PlanRejectionCode, message: string): PlanResult => ({ ok: false, code, message });

function ref(node: ClusterNode): NodeRef {
  return { id: node.id, host: node.host, port: node.port };
}

/** A master that may take part in a plan, or the reason it may not. */
function requireMaster(view: ClusterView, id: string, field: string): ClusterNode | PlanResult {
  const node = nodeById(view, id);
  if (!node) return reject('UnknownNode', `${field}: ${id} is not a node of the cluster (see CLUSTER NODES)`);
  if (node.role !== 'master')
    return reject('NotAMaster', `${field}: ${id} (${address(node)}) is a replica; only a master can give or take slots`);
  if (node.failing) return reject('ClusterNotHealthy', `${field}: ${id} (${address(node)}) is failing`);
  return node;
}

const isRejection = (x: ClusterNode | PlanResult): x is PlanResult => 'ok' in x;

/** Groups pairs into node-disjoint lanes (connected components over the nodes they touch). */
export function laneGroups(pairs: Array<Pick<SlotMovePair, 'source' | 'target'>>): number[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(x, root);
    return root;
  };
  for (const p of pairs) {
    for (const id of [p.source.id, p.target.id]) if (!parent.has(id)) parent.set(id, id);
    const a = find(p.source.id);
    const b = find(p.target.id);
    if (a !== b) parent.set(b, a);
  }
  const lanes = new Map<string, number[]>();
  pairs.forEach((p, index) => {
    const root = find(p.source.id);
    lanes.set(root, [...(lanes.get(root) ?? []), index]);
  });
  return [...lanes.values()];
}

function finish(pairs: SlotMovePair[]): PlanResult {
  const kept = pairs.filter((p) => p.ranges.length > 0);
  return { ok: true, plan: { pairs: kept, lanes: laneGroups(kept), totalSlots: kept.reduce((n, p) => n + slotCount(p.ranges), 0) } };
}

/** Splits `count` over sources in proportion to what each owns (largest remainder), exactly. */
function proportionalShares(owned: number[], count: number): number[] {
  const total = owned.reduce((a, b) => a + b, 0);
  const exact = owned.map((n) => (n * count) / total);
  const shares = exact.map(Math.floor);
  let left = count - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (shares[i] < owned[i]) {
      shares[i]++;
      left--;
    }
  }
  return shares;
}

export interface MoveCountRequest {
  target: string;
  /** Masters to take slots from; all other masters that own slots when omitted. */
  sources?: string[];
  count: number;
}

/** Moves `count` slots to the target, taken from the sources in proportion to what they own. */
export function planMoveCount(view: ClusterView, request: MoveCountRequest): PlanResult {
  const target = requireMaster(view, request.target, 'target');
  if (isRejection(target)) return target;
  const sourceIds =
    request.sources ??
    masters(view)
      .filter((n) => n.id !== target.id && n.slots.length > 0)
      .map((n) => n.id);
  const sources: ClusterNode[] = [];
  for (const [i, id] of sourceIds.entries()) {
    if (id === target.id) return reject('InvalidInput', `sources[${i}]: ${id} is also the target; a node cannot give slots to itself`);
    const source = requireMaster(view, id, `sources[${i}]`);
    if (isRejection(source)) return source;
    sources.push(source);
  }
  const owned = sources.map((s) => slotCount(s.slots));
  const available = owned.reduce((a, b) => a + b, 0);
  if (request.count > available) {
    return reject('NotEnoughSlots', `count: ${request.count} slots requested but the sources own only ${available}`);
  }
  const shares = proportionalShares(owned, request.count);
  return finish(
    sources.map((s, i) => ({ source: ref(s), target: ref(target), ranges: compressSlots(expandRanges(s.slots).slice(0, shares[i])) })),
  );
}

export interface MoveRangesRequest {
  target: string;
  ranges: SlotRange[];
  /** When given, every slot in the ranges must belong to one of these (or to the target). */
  sources?: string[];
}

/** Moves named slot ranges to the target from whoever owns them; slots the target owns are skipped. */
export function planMoveRanges(view: ClusterView, request: MoveRangesRequest): PlanResult {
  const target = requireMaster(view, request.target, 'target');
  if (isRejection(target)) return target;
  for (const [i, id] of (request.sources ?? []).entries()) {
    const source = requireMaster(view, id, `sources[${i}]`);
    if (isRejection(source)) return source;
  }
  const owners = slotOwners(view);
  const bySource = new Map<string, number[]>();
  for (const slot of expandRanges(compressSlots(expandRanges(request.ranges)))) {
    const owner = owners[slot];
    if (owner === null) return reject('ClusterNotHealthy', `ranges: slot ${slot} has no owner; repair the cluster first (redisFix)`);
    if (owner === target.id) continue;
    if (request.sources && !request.sources.includes(owner)) {
      return reject('NotEnoughSlots', `ranges: slot ${slot} belongs to ${owner}, which is not one of the sources`);
    }
    bySource.set(owner, [...(bySource.get(owner) ?? []), slot]);
  }
  const pairs = [...bySource.entries()]
    .map(([id, slots]) => ({ source: ref(nodeById(view, id) as ClusterNode), target: ref(target), ranges: compressSlots(slots) }))
    .sort((a, b) => a.source.port - b.source.port);
  return finish(pairs);
}

export interface RebalanceRequest {
  /** Weight per master id; 1 for masters not named. A weight of 0 empties the master. */
  weights?: Record<string, number>;
  /** Skip the rebalance when no master is further than this from its share, in percent. */
  thresholdPercent: number;
  /** Give slots to masters that own none (new nodes). */
  useEmptyMasters: boolean;
}

export interface RebalanceEntry {
  id: string;
  address: string;
  weight: number;
  owned: number;
  expected: number;
}

export type RebalanceResult =
  | { ok: true; plan: SlotPlan; balance: RebalanceEntry[]; withinThreshold: boolean }
  | { ok: false; code: PlanRejectionCode; message: string };

/**
 * Rebalances slots by weight the way `redis-cli --cluster rebalance` does: each master's
 * share is floor(16384 × weight / total weight); nothing moves when every master is within
 * the threshold; otherwise slots go from the most over-full to the most under-full master.
 */
export function planRebalance(view: ClusterView, request: RebalanceRequest): RebalanceResult {
  const weights = request.weights ?? {};
  for (const [id, weight] of Object.entries(weights)) {
    const node = requireMaster(view, id, `weights.${id}`);
    if (isRejection(node)) return node as RebalanceResult;
    if (!(weight >= 0)) return { ok: false, code: 'InvalidInput', message: `weights.${id}: weight must be 0 or more` };
  }
  const candidates = masters(view).filter((n) => n.slots.length > 0 || request.useEmptyMasters || (weights[n.id] ?? 1) === 0);
  const entries: RebalanceEntry[] = candidates.map((n) => ({
    id: n.id,
    address: address(n),
    weight: weights[n.id] ?? 1,
    owned: slotCount(n.slots),
    expected: 0,
  }));
  const totalWeight = entries.reduce((a, e) => a + e.weight, 0);
  if (totalWeight <= 0) return { ok: false, code: 'InvalidInput', message: 'weights: at least one master must have a weight above 0' };
  for (const e of entries) e.expected = Math.floor((SLOT_COUNT * e.weight) / totalWeight);
  // Floors leave a few slots unassigned; give them to the heaviest masters first, in order.
  let rest = SLOT_COUNT - entries.reduce((a, e) => a + e.expected, 0);
  for (const e of [...entries].filter((x) => x.weight > 0).sort((a, b) => b.weight - a.weight)) {
    if (rest === 0) break;
    e.expected++;
    rest--;
  }
  const over = (e: RebalanceEntry) =>
    e.expected === 0 ? e.owned > 0 : (Math.abs(e.owned - e.expected) / e.expected) * 100 > request.thresholdPercent;
  const withinThreshold = !entries.some(over);
  if (withinThreshold) return { ok: true, plan: { pairs: [], lanes: [], totalSlots: 0 }, balance: entries, withinThreshold };

  const balance = new Map(entries.map((e) => [e.id, e.owned - e.expected]));
  const remaining = new Map(candidates.map((n) => [n.id, expandRanges(n.slots)]));
  const moves = new Map<string, number[]>(); // "source target" -> slots
  for (let guard = 0; guard < SLOT_COUNT * 2; guard++) {
    const sorted = [...balance.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    const [dst, need] = sorted[0];
    const [src, extra] = sorted[sorted.length - 1];
    if (need >= 0 || extra <= 0) break;
    const n = Math.min(-need, extra);
    const slots = (remaining.get(src) ?? []).splice(0, n);
    const key = `${src} ${dst}`;
    moves.set(key, [...(moves.get(key) ?? []), ...slots]);
    balance.set(src, extra - n);
    balance.set(dst, need + n);
  }
  const pairs = [...moves.entries()].map(([key, slots]) => {
    const [src, dst] = key.split(' ');
    return {
      source: ref(nodeById(view, src) as ClusterNode),
      target: ref(nodeById(view, dst) as ClusterNode),
      ranges: compressSlots(slots),
    };
  });
  const done = finish(pairs);
  if (!done.ok) return done;
  return { ok: true, plan: done.plan, balance: entries, withinThreshold };
}

/** Moves every slot of `nodeId` to the other masters, evening out their slot counts. */
export function planDrain(view: ClusterView, nodeId: string): PlanResult {
  const node = nodeById(view, nodeId);
  if (!node) return reject('UnknownNode', `nodeId: ${nodeId} is not a node of the cluster`);
  if (node.role !== 'master' || node.slots.length === 0) return finish([]);
  const others = masters(view).filter((n) => n.id !== nodeId);
  if (others.length === 0) return reject('NotEnoughSlots', `nodeId: ${nodeId} is the only master; its slots have nowhere to go`);
  // Water-filling decides how many each master takes; contiguous runs keep the ranges few.
  const counts = others.map((n) => slotCount(n.slots));
  const takes = others.map(() => 0);
  const slots = expandRanges(node.slots);
  for (let k = 0; k < slots.length; k++) {
    let best = 0;
    for (let i = 1; i < others.length; i++) if (counts[i] + takes[i] < counts[best] + takes[best]) best = i;
    takes[best]++;
  }
  const given: number[][] = [];
  let at = 0;
  for (const n of takes) {
    given.push(slots.slice(at, at + n));
    at += n;
  }
  return finish(others.map((o, i) => ({ source: ref(node), target: ref(o), ranges: compressSlots(given[i]) })));
}

/** The slots of one pair cut into chunks of at most `size`, in order: one activity per chunk. */
export function pairChunks(pair: SlotMovePair, size: number): number[][] {
  const slots = expandRanges(pair.ranges);
  const chunks: number[][] = [];
  for (let i = 0; i < slots.length; i += size) chunks.push(slots.slice(i, i + size));
  return chunks;
}
