// Failover and switchover as a plan of ordered transitions (the shape of Patroni's quorum.py).
//
// THE INVARIANT the transitions keep: at most one server can acknowledge a write.
// With synchronous quorum commit a primary acknowledges a commit only when a standby
// that follows it has flushed it, so "can acknowledge" = writable, possibly running,
// and followed by a running standby. In addition, no standby is promoted while the old
// primary is unfenced, and a standby only follows a server that exists.
//
// resolvePlan() takes the current model and the goal and yields the transitions still
// needed; the workflow applies them one activity at a time. Because it is computed from
// the state alone, a run that resumes after any prefix of the plan gets exactly the rest
// of it (test/unit/pg-plan.test.ts checks every prefix).
import { PG_SERVER_NAMES } from './pg-cluster';

export interface NodeModel {
  name: string;
  /** False only when we know it is stopped; an unreachable server counts as possibly running. */
  running: boolean;
  /** Accepts writes (or, when unreachable, last seen accepting writes). */
  writable: boolean;
  /** Stopped by us, or cut off from every standby, and marked to restart as a standby. */
  fenced: boolean;
  /** The server this one streams from, or null. */
  follows: string | null;
}

export interface ClusterModel {
  nodes: NodeModel[];
  published: { primary: string; replicas: string[] } | null;
  syncRestoredOn: string | null;
  caughtUp: string | null;
}

export type Transition =
  | { kind: 'fence'; node: string; mode: 'failover' | 'clean' }
  | { kind: 'catchUp'; node: string; from: string }
  | { kind: 'promote'; node: string }
  | { kind: 'repoint'; node: string; to: string }
  | { kind: 'publish'; primary: string; replicas: string[] }
  | { kind: 'restoreSync'; node: string }
  | { kind: 'rejoin'; node: string; to: string };

export interface PlanGoal {
  kind: 'failover' | 'switchover';
  oldPrimary: string;
  newPrimary: string;
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

function node(model: ClusterModel, name: string): NodeModel {
  const found = model.nodes.find((n) => n.name === name);
  if (!found) throw new InvariantViolation(`unknown server ${name}`);
  return found;
}

export function canAcknowledge(model: ClusterModel, n: NodeModel): boolean {
  return n.writable && n.running && model.nodes.some((m) => m.follows === n.name && m.running && m.name !== n.name);
}

/** The problems with a model; empty when the invariant holds. */
export function invariantProblems(model: ClusterModel): string[] {
  const problems: string[] = [];
  const acknowledging = model.nodes.filter((n) => canAcknowledge(model, n)).map((n) => n.name);
  if (acknowledging.length > 1) problems.push(`more than one server can acknowledge writes: ${acknowledging.join(', ')}`);
  const unfencedWritable = model.nodes.filter((n) => n.writable && !n.fenced).map((n) => n.name);
  if (unfencedWritable.length > 1) problems.push(`more than one unfenced writable server: ${unfencedWritable.join(', ')}`);
  for (const n of model.nodes) {
    if (n.follows === n.name) problems.push(`${n.name} follows itself`);
    if (n.follows !== null && !model.nodes.some((m) => m.name === n.follows))
      problems.push(`${n.name} follows unknown server ${n.follows}`);
    if (n.follows !== null && n.writable) problems.push(`${n.name} is writable and follows ${n.follows}`);
  }
  return problems;
}

export function checkInvariants(model: ClusterModel): void {
  const problems = invariantProblems(model);
  if (problems.length > 0) throw new InvariantViolation(problems.join('; '));
}

const clone = (model: ClusterModel): ClusterModel => JSON.parse(JSON.stringify(model)) as ClusterModel;

/** What a transition does to the model, with its preconditions. Pure: returns a new model. */
export function applyTransition(model: ClusterModel, t: Transition): ClusterModel {
  const next = clone(model);
  switch (t.kind) {
    case 'fence': {
      const old = node(next, t.node);
      old.fenced = true;
      if (t.mode === 'clean') {
        old.running = false;
        old.writable = false;
      } else {
        // Unreachable or not: every standby is cut off from it, so it can never acknowledge.
        for (const n of next.nodes) if (n.follows === old.name) n.follows = null;
        old.running = false;
      }
      break;
    }
    case 'catchUp':
      next.caughtUp = t.node;
      break;
    case 'promote': {
      const others = next.nodes.filter((n) => n.name !== t.node && n.writable && !n.fenced);
      if (others.length > 0)
        throw new InvariantViolation(`cannot promote ${t.node} while ${others.map((n) => n.name).join(', ')} is writable and not fenced`);
      const target = node(next, t.node);
      target.writable = true;
      target.follows = null;
      target.running = true;
      break;
    }
    case 'repoint': {
      if (!node(next, t.to).writable) throw new InvariantViolation(`cannot point ${t.node} at ${t.to}, which does not accept writes`);
      node(next, t.node).follows = t.to;
      break;
    }
    case 'publish':
      if (!node(next, t.primary).writable)
        throw new InvariantViolation(`cannot publish ${t.primary} as primary: it does not accept writes`);
      next.published = { primary: t.primary, replicas: [...t.replicas] };
      break;
    case 'restoreSync':
      next.syncRestoredOn = t.node;
      break;
    case 'rejoin': {
      if (!node(next, t.to).writable) throw new InvariantViolation(`cannot rejoin ${t.node} to ${t.to}, which does not accept writes`);
      const old = node(next, t.node);
      old.writable = false;
      old.fenced = false;
      old.running = true;
      old.follows = t.to;
      break;
    }
  }
  checkInvariants(next);
  return next;
}

const samePublished = (a: ClusterModel['published'], primary: string, replicas: string[]) =>
  a !== null && a.primary === primary && JSON.stringify([...a.replicas].sort()) === JSON.stringify([...replicas].sort());

/** The transitions still needed to reach the goal from `model`, in order. */
export function resolvePlan(model: ClusterModel, goal: PlanGoal): Transition[] {
  const plan: Transition[] = [];
  let m = model;
  const push = (t: Transition) => {
    plan.push(t);
    m = applyTransition(m, t);
  };
  const { oldPrimary, newPrimary } = goal;
  if (oldPrimary === newPrimary) throw new InvariantViolation('the new primary must differ from the old one');
  const others = m.nodes
    .map((n) => n.name)
    .filter((n) => n !== oldPrimary && n !== newPrimary)
    .sort();

  if (!node(m, newPrimary).writable) {
    const old = node(m, oldPrimary);
    if (old.writable && !old.fenced) push({ kind: 'fence', node: oldPrimary, mode: goal.kind === 'failover' ? 'failover' : 'clean' });
    if (goal.kind === 'switchover' && m.caughtUp !== newPrimary) push({ kind: 'catchUp', node: newPrimary, from: oldPrimary });
    push({ kind: 'promote', node: newPrimary });
  }
  for (const r of others) if (node(m, r).follows !== newPrimary) push({ kind: 'repoint', node: r, to: newPrimary });
  if (node(m, oldPrimary).follows !== newPrimary) {
    if (!samePublished(m.published, newPrimary, others)) push({ kind: 'publish', primary: newPrimary, replicas: others });
    if (m.syncRestoredOn !== newPrimary) push({ kind: 'restoreSync', node: newPrimary });
    push({ kind: 'rejoin', node: oldPrimary, to: newPrimary });
  } else if (m.syncRestoredOn !== newPrimary) {
    push({ kind: 'restoreSync', node: newPrimary });
  }
  const everyone = [...others, oldPrimary].sort();
  if (!samePublished(m.published, newPrimary, everyone)) push({ kind: 'publish', primary: newPrimary, replicas: everyone });
  return plan;
}

/** True when the model is where the goal wants it. */
export function goalReached(model: ClusterModel, goal: PlanGoal): boolean {
  const others = model.nodes.filter((n) => n.name !== goal.newPrimary);
  return (
    node(model, goal.newPrimary).writable &&
    others.every((n) => n.follows === goal.newPrimary && !n.writable) &&
    model.syncRestoredOn === goal.newPrimary &&
    samePublished(
      model.published,
      goal.newPrimary,
      others.map((n) => n.name),
    )
  );
}

/** A one-line description for current details and logs. */
export function describeTransition(t: Transition): string {
  switch (t.kind) {
    case 'fence':
      return t.mode === 'clean'
        ? `stopping the primary ${t.node} cleanly`
        : `fencing the old primary ${t.node} (stop it if it answers; cut every standby off from it)`;
    case 'catchUp':
      return `waiting until ${t.node} has replayed everything ${t.from} wrote`;
    case 'promote':
      return `promoting ${t.node}`;
    case 'repoint':
      return `re-pointing ${t.node} at ${t.to}`;
    case 'publish':
      return `publishing the topology: primary ${t.primary}, replicas ${t.replicas.join(', ') || 'none'}`;
    case 'restoreSync':
      return `restoring synchronous replication on ${t.node}`;
    case 'rejoin':
      return `rejoining ${t.node} as a replica of ${t.to}`;
  }
}

export const ALL_SERVER_NAMES: readonly string[] = PG_SERVER_NAMES;
