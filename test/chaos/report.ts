// The chaos report: one record per trial and the run's totals, written as JSON after every
// trial so an interrupted run still leaves what it saw.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InvariantResult } from './invariants/types';
import type { FaultKind, FaultTarget } from './faults';
import type { OperationName } from './plan';
import { RELOAD_CAUSE, type TrafficResult } from './traffic';

export interface KillRecord {
  plannedAtMs: number;
  /** When it happened, in ms after the workflow's start (later than planned if an earlier event took time). */
  atMs: number;
  workflowStatus: string;
  /** The activities the workflow was running when the kill came. */
  pendingActivities: string[];
  killed: boolean;
  respawnDelayMs: number;
}

export interface ServerRestartRecord {
  /** server-crash: SIGKILL of the Temporal server; machine-crash: the server and the worker killed together. */
  kind: 'server-crash' | 'machine-crash';
  plannedAtMs: number;
  atMs: number;
  workflowStatus: string;
  pendingActivities: string[];
  downMs: number;
  dbBytesBefore: number;
  dbBytesAfter: number;
  pid: number;
  /** A machine crash also kills the worker. */
  workerKilled?: boolean;
}

/** A platform fault (faults.ts) as it happened. */
export interface FaultRecord {
  kind: FaultKind;
  target: FaultTarget;
  plannedAtMs: number;
  /** When it struck (or gave up), in ms after the workflow's start. */
  atMs: number;
  /** The SIGKILL's own moment, in ms after the workflow's start (atMs is after the victim was gone or restarted). */
  killedAtMs?: number;
  /** A killed app instance's port, as nginx's upstream names it. */
  appPort?: number;
  /** The fault waited for its target to appear (pg_rewind, a new or drained instance) until plannedAtMs. */
  waitedForTarget: boolean;
  struck: boolean;
  victim?: string;
  detail?: string;
  workflowStatus: string;
  pendingActivities: string[];
  /** A killed Redis node: its port, and the slots it served as a master (a crash failover may lose their last writes). */
  redisPort?: number;
  redisSlots?: number[];
  /** A load-balancer restart: from the SIGKILL to nginx listening again. */
  downMs?: number;
  /** What brought the victim back, when the harness had to. */
  recoveredBy?: string;
}

export interface TrialReport {
  index: number;
  operation: OperationName;
  workflowType: string;
  input: Record<string, unknown>;
  setup?: string;
  kills: KillRecord[];
  serverRestarts: ServerRestartRecord[];
  faults: FaultRecord[];
  /** Acknowledged Redis writes lost across a master's crash failover (asynchronous replication): reported, allowed. */
  redisLostAcrossFailover?: { count: number; examples: string[] };
  /** The open-loop GET + POST traffic through the load balancer: sent, failed, each failure and its cause. */
  traffic?: TrafficResult;
  /** The long-running workflows (pgMonitor, healthRouter) and the autoscale Schedule after the trial. */
  background?: Record<string, string>;
  outcome: { status: string; failure?: { type: string; message: string }; result?: unknown };
  invariants: InvariantResult[];
  violations: string[];
  restore: { actions: string[]; error?: string; ms: number };
  workerUnexpectedExits: string[];
  operationMs: number;
  trialMs: number;
}

export interface ChaosReport {
  seed: number;
  count: number;
  startedAt: string;
  finishedAt?: string;
  machine: { orchestrator: string; cpus: number; node: string };
  /** The code measured, and the machine's load average (1, 5, 15 min) at the start and the end. */
  commit?: string;
  loadAverage?: { before: number[]; after?: number[] };
  trials: TrialReport[];
  totals: {
    trials: number;
    kills: number;
    killsWhileRunning: number;
    serverRestarts: number;
    serverRestartsWhileRunning: number;
    violations: number;
    /** Per fault kind and target: planned, struck, struck while the workflow ran. */
    faults: Record<string, { planned: number; struck: number; whileRunning: number }>;
    redisWritesLostAcrossFailover: number;
    /**
     * The traffic of every trial: requests sent, failed, failed with nothing to explain them (violations), and
     * reset on a keep-alive connection an nginx reload closed (reported: the documented limit of nginx reloads).
     */
    traffic: { sent: number; failed: number; unexplained: number; closedByReload: number };
    outcomes: Record<string, number>;
    byOperation: Record<string, number>;
    meanTrialMs: number;
    maxTrialMs: number;
  };
  stoppedEarly?: string;
}

export function totalsOf(trials: TrialReport[]): ChaosReport['totals'] {
  const count = (f: (t: TrialReport) => number) => trials.reduce((n, t) => n + f(t), 0);
  const tally = (key: (t: TrialReport) => string) =>
    trials.reduce<Record<string, number>>((acc, t) => ({ ...acc, [key(t)]: (acc[key(t)] ?? 0) + 1 }), {});
  return {
    trials: trials.length,
    kills: count((t) => t.kills.filter((k) => k.killed).length),
    killsWhileRunning: count((t) => t.kills.filter((k) => k.killed && k.workflowStatus === 'RUNNING').length),
    serverRestarts: count((t) => t.serverRestarts.length),
    serverRestartsWhileRunning: count((t) => t.serverRestarts.filter((r) => r.workflowStatus === 'RUNNING').length),
    violations: count((t) => t.violations.length),
    faults: faultTotals(trials),
    redisWritesLostAcrossFailover: count((t) => t.redisLostAcrossFailover?.count ?? 0),
    traffic: trafficTotals(trials),
    outcomes: tally((t) => (t.outcome.failure ? `${t.outcome.status} ${t.outcome.failure.type}` : t.outcome.status)),
    byOperation: tally((t) => t.operation),
    meanTrialMs: trials.length ? Math.round(count((t) => t.trialMs) / trials.length) : 0,
    maxTrialMs: trials.reduce((m, t) => Math.max(m, t.trialMs), 0),
  };
}

export function trafficTotals(trials: TrialReport[]): ChaosReport['totals']['traffic'] {
  const none: TrafficResult = { sent: { GET: 0, POST: 0 }, failed: { GET: 0, POST: 0 }, byCause: {}, failures: [] };
  const of = (t: TrialReport) => t.traffic ?? none;
  return trials.reduce(
    (sum, t) => ({
      sent: sum.sent + of(t).sent.GET + of(t).sent.POST,
      failed: sum.failed + of(t).failed.GET + of(t).failed.POST,
      unexplained: sum.unexplained + (of(t).byCause.unexplained ?? 0),
      closedByReload: sum.closedByReload + (of(t).byCause[RELOAD_CAUSE] ?? 0),
    }),
    { sent: 0, failed: 0, unexplained: 0, closedByReload: 0 },
  );
}

function faultTotals(trials: TrialReport[]): ChaosReport['totals']['faults'] {
  const totals: ChaosReport['totals']['faults'] = {};
  for (const f of trials.flatMap((t) => t.faults ?? [])) {
    const row = (totals[`${f.kind} ${f.target}`] ??= { planned: 0, struck: 0, whileRunning: 0 });
    row.planned += 1;
    if (f.struck) row.struck += 1;
    if (f.struck && f.workflowStatus === 'RUNNING') row.whileRunning += 1;
  }
  return totals;
}

export function writeReport(file: string, report: ChaosReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...report, totals: totalsOf(report.trials) }, null, 2)}\n`);
  renameSync(tmp, file);
}
