// The platform faults of a trial, drawn from its seed: SIGKILL of a PostgreSQL server
// (the primary or a replica, at a moment or while a rejoin's pg_rewind runs), SIGKILL of a
// Redis master or replica mid-operation, SIGKILL of the app instance a scaling operation is
// starting (in its health wait) or draining, and a restart of the load balancer. Pure, so
// the same seed always yields the same faults.
import type { Random as SeededRandom } from './prng';

export type FaultKind = 'pg-kill' | 'redis-kill' | 'app-kill' | 'lb-restart';

/**
 * Who the fault strikes, resolved from the live platform at the moment it strikes:
 * - primary / replica: a PostgreSQL server by role (the replica chosen with `pick`);
 * - rewind-source / rewind-other: while pg_rewind runs, the server it reads from, or the third one;
 * - master / replica-node: a Redis master holding slots, or a replica (chosen with `pick`), once the
 *   operation runs an activity that changes the topology (a migration, a meet);
 * - new-instance / drained-instance: the instance a scale-up starts, or the one a scale-down or drain stops;
 * - nginx: the load balancer.
 */
export type FaultTarget =
  'primary' | 'replica' | 'rewind-source' | 'rewind-other' | 'master' | 'replica-node' | 'new-instance' | 'drained-instance' | 'nginx';

export interface FaultPlan {
  kind: FaultKind;
  target: FaultTarget;
  /** Milliseconds after the workflow's start: the moment, or for a waited-for target the latest moment to wait until. */
  atMs: number;
  /** The fault waits for its target to appear (pg_rewind running, a new instance, a drained instance) from `fromMs` on. */
  waitsForTarget: boolean;
  fromMs: number;
  pick: number;
}

const POSTGRES_OPS: readonly string[] = ['pgFailover', 'pgSwitchover'];
const SCALING_OPS: readonly string[] = ['scaleUp', 'scaleDown', 'drainInstance', 'rollingUpdate'];
const TOPOLOGY_OPS: readonly string[] = ['redisReshard', 'redisAddNode', 'redisRemoveNode', 'redisRebalance'];

export interface FaultProbabilities {
  pgKill: number;
  redisKill: number;
  appKill: number;
  lbRestart: number;
}

export const DEFAULT_FAULT_PROBABILITIES: FaultProbabilities = { pgKill: 0.35, redisKill: 0.4, appKill: 0.4, lbRestart: 0.15 };

function pgFault(random: SeededRandom, operation: string, window: number): FaultPlan {
  // A failover rejoins the old primary with pg_rewind: half its PostgreSQL faults strike during the rewind.
  if (operation === 'pgFailover' && random.chance(0.5)) {
    const target = random.chance(0.5) ? 'rewind-source' : 'rewind-other';
    return { kind: 'pg-kill', target, atMs: window * 4, waitsForTarget: true, fromMs: 0, pick: random.next() };
  }
  const target = random.chance(0.5) ? 'primary' : 'replica';
  return { kind: 'pg-kill', target, atMs: random.int(100, window), waitsForTarget: false, fromMs: 0, pick: random.next() };
}

function appFault(random: SeededRandom, operation: string, window: number): FaultPlan | undefined {
  const target =
    operation === 'scaleUp' ? 'new-instance' : operation === 'scaleDown' || operation === 'drainInstance' ? 'drained-instance' : undefined;
  if (!target) return undefined;
  return { kind: 'app-kill', target, atMs: window * 8, waitsForTarget: true, fromMs: random.int(0, 1_500), pick: random.next() };
}

/** The faults of one trial, drawn in a fixed order so that adding a kind later keeps a seed's earlier draws. */
export function drawFaults(
  random: SeededRandom,
  operation: string,
  window: number,
  p: FaultProbabilities = DEFAULT_FAULT_PROBABILITIES,
): FaultPlan[] {
  const faults: FaultPlan[] = [];
  const pgChance = POSTGRES_OPS.includes(operation) ? p.pgKill : SCALING_OPS.includes(operation) ? p.pgKill / 3 : 0;
  if (random.chance(pgChance)) faults.push(pgFault(random, operation, window));
  if (TOPOLOGY_OPS.includes(operation) && random.chance(p.redisKill)) {
    const target = random.chance(0.75) ? 'master' : 'replica-node';
    // It waits for an activity that changes the topology (a migration, a meet), from a moment in the window on.
    faults.push({ kind: 'redis-kill', target, atMs: window * 6, waitsForTarget: true, fromMs: random.int(0, window), pick: random.next() });
  }
  if (random.chance(p.appKill)) {
    const fault = appFault(random, operation, window);
    if (fault) faults.push(fault);
  }
  if (random.chance(p.lbRestart)) {
    faults.push({
      kind: 'lb-restart',
      target: 'nginx',
      atMs: random.int(100, window),
      waitsForTarget: false,
      fromMs: 0,
      pick: random.next(),
    });
  }
  return faults;
}
