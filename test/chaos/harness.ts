// The chaos harness: runs each planned trial against the real stack (the services must be
// up) with the worker as a child process, strikes it with SIGKILLs and Temporal server
// restarts at the planned moments, then checks every invariant and restores the platform.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import Dockerode from 'dockerode';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { clusterHealth, Writer, WritableProber } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { hosts, ports } from '../../testkit/ports';
import { clusterView } from '../../testkit/redis';
import { ListWriter } from '../../testkit/redis-writer';
import { temporalClient, testWorkerConfig } from '../../testkit/stack';
import { chaosWorkerEnv, endBackgroundWorkflows, stopBackground } from './background';
import { restartKilledRedisNodes, strikeFaults } from './fault-strikes';
import { InstanceCountSampler, instanceProcesses, type InstanceBounds } from './invariants/instances';
import type { PlatformBefore } from './invariants/rolled-back';
import { waitForClose } from './invariants/workflow-outcome';
import { OPERATION_SPECS, type StartedOperation } from './operations';
import type { TrialPlan } from './plan';
import {
  totalsOf,
  writeReport,
  type ChaosReport,
  type FaultRecord,
  type KillRecord,
  type ServerRestartRecord,
  type TrialReport,
} from './report';
import { restorePlatform } from './restore';
import { strikeAsPlanned } from './strikes';
import { checkInvariants, type TrialProbes } from './trial-checks';
import { trialLine } from './trial-line';
import { createSessions, OpenLoopTraffic } from './traffic';
import { WorkerSupervisor } from './worker-supervisor';

export interface ChaosOptions {
  seed: number;
  trials: TrialPlan[];
  reportPath?: string;
  /** Keys the Redis writer spreads its writes over. */
  redisKeys?: number;
  bounds?: InstanceBounds;
  /** How long a trial's workflow may take before it counts as stuck. */
  workflowTimeoutMs?: number;
  /** Requests per second of the open-loop GET + POST traffic through the load balancer during every trial. */
  trafficRate?: number;
  log?: (line: string) => void;
}

/** What every trial's traffic shares: the load balancer, the rate, the sessions its POSTs write to. */
interface TrafficSetup {
  baseUrl: string;
  rate: number;
  sessions: string[];
}

const PG_TABLE = 'chaos_writes';

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const bounds = options.bounds ?? { min: 2, max: 4 };
  const timeoutMs = options.workflowTimeoutMs ?? 240_000;
  const taskQueue = `chaos-${options.seed}-${process.pid}`;
  const config = testWorkerConfig();
  // The driver the worker will resolve ("auto" means docker when an engine answers).
  const orchestrator = await chooseOrchestrator(config, new Dockerode({ socketPath: config.dockerSocket }));
  const report: ChaosReport = {
    seed: options.seed,
    count: options.trials.length,
    startedAt: new Date().toISOString(),
    machine: { orchestrator, cpus: os.cpus().length, node: process.version },
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    loadAverage: { before: os.loadavg() },
    trials: [],
    totals: undefined as unknown as ChaosReport['totals'],
  };
  const save = () => options.reportPath && writeReport(options.reportPath, report);
  const { client, connection } = await temporalClient();
  const worker = new WorkerSupervisor(taskQueue, chaosWorkerEnv(bounds));
  const redisWriter = new ListWriter(options.redisKeys ?? 10_000, 2);
  try {
    // The worker starts pgMonitor and healthRouter on its own task queue, so earlier ones end first.
    await endBackgroundWorkflows(client, `chaos run ${taskQueue} starts its own`);
    await worker.ensureRunning();
    log(
      `[chaos] seed ${options.seed}, ${options.trials.length} trials, ${orchestrator} driver, task queue ${taskQueue}; restoring the platform first`,
    );
    const first = await restorePlatform(client, taskQueue);
    if (first.length) log(`[chaos] restored: ${first.join('; ')}`);
    await redisWriter.populate();
    const baseUrl = `http://${hosts.nginx}:${ports.nginx}`;
    const traffic = { baseUrl, rate: options.trafficRate ?? 30, sessions: await createSessions(baseUrl, 16) };
    for (const plan of options.trials) {
      const trial = await runTrial(client, taskQueue, worker, redisWriter, traffic, plan, bounds, timeoutMs, log);
      report.trials.push(trial);
      save();
      if (trial.restore.error) {
        report.stoppedEarly = `trial ${plan.index}: the platform could not be restored: ${trial.restore.error}`;
        log(`[chaos] stopping: ${report.stoppedEarly}`);
        break;
      }
    }
  } finally {
    report.finishedAt = new Date().toISOString();
    report.loadAverage = { before: report.loadAverage?.before ?? [], after: os.loadavg() };
    save();
    await redisWriter.cleanup().catch(() => redisWriter.close());
    await stopBackground(client).catch((e: Error) => log(`[chaos] could not stop the background workflows: ${e.message}`));
    await worker.stop();
    await connection.close();
  }
  return { ...report, totals: totalsOf(report.trials) };
}

async function runTrial(
  client: Client,
  taskQueue: string,
  worker: WorkerSupervisor,
  redisWriter: ListWriter,
  traffic: TrafficSetup,
  plan: TrialPlan,
  bounds: InstanceBounds,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<TrialReport> {
  const trialStart = Date.now();
  const spec = OPERATION_SPECS[plan.operation];
  const beforeProcesses = await instanceProcesses(SERVICE);
  const before: PlatformBefore = {
    instances: beforeProcesses.map((p) => p.name),
    versions: beforeProcesses.map((p) => p.version).sort(),
    redisNodes: 0,
  };
  const probes: TrialProbes = {
    pgWriter: await Writer.create(PG_TABLE),
    prober: new WritableProber(),
    sampler: new InstanceCountSampler(SERVICE),
    redisWriter,
    // Bounded by itself too: the longest a trial's operation and its checks before the stop can take.
    traffic: new OpenLoopTraffic({
      ...traffic,
      maxMs: timeoutMs + 180_000,
      maxRequests: Math.ceil((traffic.rate * (timeoutMs + 180_000)) / 1000),
      timeoutMs: 10_000,
      idPrefix: `${taskQueue}-t${plan.index}`,
    }),
  };
  probes.traffic.start();
  probes.pgWriter.start();
  redisWriter.start();
  probes.prober.start(250);
  probes.sampler.start();
  let strikes: { kills: KillRecord[]; serverRestarts: ServerRestartRecord[] } = { kills: [], serverRestarts: [] };
  let faults: FaultRecord[] = [];
  let started: StartedOperation | undefined;
  let opStart = Date.now();
  let outcome: TrialReport['outcome'] = { status: 'NOT STARTED' };
  try {
    await probes.pgWriter.waitForAcks(5);
    started = await spec.prepare({ client, taskQueue, pick: plan.pick, trialIndex: plan.index });
    before.redisNodes = (await clusterView()).nodes.length;
    const pgNow = await clusterHealth();
    before.pgPrimary = pgNow.healthy ? pgNow.primary : undefined;
    await client.workflow.start(started.workflowType, { taskQueue, workflowId: started.workflowId, args: [started.input] });
    opStart = Date.now();
    let closedYet = false;
    const context = { client, workflowId: started.workflowId, opStart, instancesBefore: before.instances, input: started.input };
    const faultsStruck = strikeFaults(plan.faults ?? [], { ...context, closed: () => closedYet });
    strikes = await strikeAsPlanned(client, worker, plan, started.workflowId, opStart);
    await worker.ensureRunning();
    const closed = await waitForClose(client, started.workflowId, timeoutMs).finally(() => (closedYet = true));
    outcome = { status: closed.status, failure: closed.failure, result: closed.result };
    faults = await faultsStruck;
  } catch (error) {
    outcome = { status: 'HARNESS ERROR', failure: { type: 'HarnessError', message: (error as Error).message } };
  }
  const { kills, serverRestarts } = strikes;
  const operationMs = Date.now() - opStart;
  // A few writes after the operation, so the new primary's acknowledgements are checked too.
  await probes.pgWriter.waitForAcks(5, 60_000).catch(() => undefined);
  await probes.pgWriter.stop();
  await probes.prober.stop();
  await probes.sampler.stop();
  await probes.traffic.stop();
  const restore: TrialReport['restore'] = { actions: [], ms: 0 };
  // Only the harness starts a killed Redis node again; its slots' failover was the cluster's own.
  restore.actions.push(
    ...(await restartKilledRedisNodes(faults).catch((e: Error) => [`restarting killed Redis nodes failed: ${e.message}`])),
  );
  // A primary the trial killed is replaced by pgMonitor's failover: any healthy primary then counts as rolled back.
  if (faults.some((f) => f.kind === 'pg-kill' && f.struck && before.pgPrimary && f.victim?.startsWith(`${before.pgPrimary} `)))
    before.pgPrimaryKilled = true;
  const checks = await checkInvariants(client, spec, outcome, probes, before, bounds, { records: faults, opStart });

  const restoreStart = Date.now();
  try {
    await worker.ensureRunning();
    restore.actions.push(...(await restorePlatform(client, taskQueue)));
  } catch (error) {
    restore.error = (error as Error).message;
  }
  restore.ms = Date.now() - restoreStart;

  const violations = checks.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`);
  const trial: TrialReport = {
    index: plan.index,
    operation: plan.operation,
    workflowType: started?.workflowType ?? plan.operation,
    input: started?.input ?? {},
    setup: started?.setup,
    kills,
    serverRestarts,
    faults,
    redisLostAcrossFailover: checks.redisLostAcrossFailover,
    traffic: checks.traffic,
    background: checks.background,
    outcome,
    invariants: checks.invariants,
    violations,
    restore,
    workerUnexpectedExits: worker.unexpectedExits.splice(0),
    operationMs,
    trialMs: Date.now() - trialStart,
  };
  log(trialLine(trial));
  return trial;
}
