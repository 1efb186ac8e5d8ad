// The trial plan: which operation each trial runs and when the chaos strikes, drawn from
// the seed before anything runs. Pure, so the same seed always yields the same plan.
import { OPERATION_TYPES } from '../../read-models/visibility';
import { drawFaults, type FaultPlan, type FaultProbabilities } from './faults';
import { seededRandom } from './prng';

/** The operation types the harness has no chaos spec for (OPERATION_SPECS in operations.ts). */
const NOT_UNDER_CHAOS = ['scaleTo'] as const;
export type OperationName = Exclude<(typeof OPERATION_TYPES)[number], (typeof NOT_UNDER_CHAOS)[number]>;

/** Every other operation type, in the visibility read model's order (the seed's picks depend on it). */
export const OPERATIONS: readonly OperationName[] = OPERATION_TYPES.filter(
  (type): type is OperationName => !(NOT_UNDER_CHAOS as readonly string[]).includes(type),
);

export interface TrialPlan {
  index: number;
  operation: OperationName;
  /** Milliseconds after the workflow's start at which the worker gets SIGKILL (0, 1 or 2 of them). */
  killAtMs: number[];
  /** How long the worker stays dead after each kill before a new one starts. */
  respawnDelayMs: number[];
  /** Milliseconds after the start at which the Temporal dev server gets SIGKILL (then starts again), if it does. */
  serverRestartAtMs?: number;
  /** Milliseconds after the start at which the machine "crashes": the server and the worker get SIGKILL together. */
  machineCrashAtMs?: number;
  /** A number in [0, 1) that picks among live candidates (the switchover target, the reshard target, the drained instance). */
  pick: number;
  /** Platform faults: PostgreSQL, Redis and app-instance SIGKILLs, load-balancer restarts (faults.ts). */
  faults: FaultPlan[];
}

/**
 * Each operation's window: the span after its start in which it is usually still running
 * on this machine, so a chaos moment drawn inside it mostly lands mid-operation.
 */
export const CHAOS_WINDOW_MS: Record<OperationName, number> = {
  scaleUp: 5_000,
  scaleDown: 5_000,
  drainInstance: 5_000,
  rollingUpdate: 30_000,
  pgFailover: 10_000,
  pgSwitchover: 4_000,
  redisReshard: 10_000,
  redisAddNode: 4_000,
  redisRemoveNode: 12_000,
  redisRebalance: 12_000,
  redisFailover: 3_000,
  redisFix: 1_000,
};

export interface PlanOptions {
  seed: number;
  count: number;
  /** Cycle through these operations instead of drawing them (the CI pass uses it for coverage). */
  operations?: OperationName[];
  killProbability?: number;
  secondKillProbability?: number;
  serverRestartProbability?: number;
  machineCrashProbability?: number;
  faultProbabilities?: FaultProbabilities;
}

export function planTrials(options: PlanOptions): TrialPlan[] {
  const random = seededRandom(options.seed);
  const killP = options.killProbability ?? 0.85;
  const secondKillP = options.secondKillProbability ?? 0.3;
  const restartP = options.serverRestartProbability ?? 0.2;
  const machineP = options.machineCrashProbability ?? 0.1;
  const trials: TrialPlan[] = [];
  for (let index = 0; index < options.count; index++) {
    const operation = options.operations?.length ? options.operations[index % options.operations.length] : random.pick(OPERATIONS);
    const window = CHAOS_WINDOW_MS[operation];
    const kills = random.chance(killP) ? (random.chance(secondKillP) ? 2 : 1) : 0;
    const killAtMs = Array.from({ length: kills }, () => random.int(100, window)).sort((a, b) => a - b);
    const respawnDelayMs = killAtMs.map(() => random.int(0, 3_000));
    const serverRestartAtMs = random.chance(restartP) ? random.int(100, window) : undefined;
    const pick = random.next();
    // Drawn after the others, so a seed's earlier plans keep their kills, restarts and picks.
    const machineCrashAtMs = random.chance(machineP) ? random.int(100, window) : undefined;
    // Drawn last, for the same reason.
    const faults = drawFaults(random, operation, window, options.faultProbabilities);
    trials.push({ index, operation, killAtMs, respawnDelayMs, serverRestartAtMs, machineCrashAtMs, pick, faults });
  }
  return trials;
}
