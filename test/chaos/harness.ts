// The chaos harness: runs each planned trial against the real stack (the services must be
// up) with the worker as a child process, strikes it with SIGKILLs and Temporal server
// restarts at the planned moments, then checks every invariant and restores the platform.
import os from 'node:os';
import type { Client } from '@temporalio/client';
import Dockerode from 'dockerode';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { clusterHealth, Writer, WritableProber } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { clusterView } from '../../testkit/redis';
import { ListWriter } from '../../testkit/redis-writer';
import { stackSecrets, temporalClient, testWorkerConfig } from '../../testkit/stack';
import {
  countWithinBounds,
  InstanceCountSampler,
  instanceProcesses,
  noOrphanOrDuplicate,
  upstreamAliveAndReady,
  type InstanceBounds,
} from './invariants/instances';
import { exactlyOnePrimary, neverTwoWritable, noAcknowledgedRowLost } from './invariants/postgres';
import { noAcknowledgedRedisWriteLost, slotsCoveredNoneOpen } from './invariants/redis';
import { rolledBack, type PlatformBefore } from './invariants/rolled-back';
import { broken, eventually, type InvariantResult } from './invariants/types';
import { completedOrFailedClearly, waitForClose } from './invariants/workflow-outcome';
import { OPERATION_SPECS, type OperationSpec, type StartedOperation } from './operations';
import type { TrialPlan } from './plan';
import { totalsOf, writeReport, type ChaosReport, type KillRecord, type ServerRestartRecord, type TrialReport } from './report';
import { restorePlatform } from './restore';
import { strikeAsPlanned } from './strikes';
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
  log?: (line: string) => void;
}

const PG_TABLE = 'chaos_writes';

/** The worker's environment: the stack's secrets and ports (never in an input), tight instance bounds, a slow app start so kills land mid-health-wait. */
function workerEnv(bounds: InstanceBounds): Record<string, string> {
  return {
    ...stackSecrets(),
    PG_PRIMARY_PORT: String(ports.pgPrimary),
    PG_REPLICA1_PORT: String(ports.pgReplica1),
    PG_REPLICA2_PORT: String(ports.pgReplica2),
    REDIS_BASE_PORT: String(ports.redis[0]),
    MIN_INSTANCES: String(bounds.min),
    MAX_INSTANCES: String(bounds.max),
    APP_STARTUP_DELAY_MS: '2000',
  };
}

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
    trials: [],
    totals: undefined as unknown as ChaosReport['totals'],
  };
  const save = () => options.reportPath && writeReport(options.reportPath, report);
  const { client, connection } = await temporalClient();
  const worker = new WorkerSupervisor(taskQueue, workerEnv(bounds));
  const redisWriter = new ListWriter(options.redisKeys ?? 10_000, 2);
  try {
    await worker.ensureRunning();
    log(
      `[chaos] seed ${options.seed}, ${options.trials.length} trials, ${orchestrator} driver, task queue ${taskQueue}; restoring the platform first`,
    );
    const first = await restorePlatform(client, taskQueue);
    if (first.length) log(`[chaos] restored: ${first.join('; ')}`);
    await redisWriter.populate();
    for (const plan of options.trials) {
      const trial = await runTrial(client, taskQueue, worker, redisWriter, plan, bounds, timeoutMs, log);
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
    save();
    await redisWriter.cleanup().catch(() => redisWriter.close());
    await worker.stop();
    await connection.close();
  }
  return { ...report, totals: totalsOf(report.trials) };
}

interface TrialProbes {
  pgWriter: Writer;
  prober: WritableProber;
  sampler: InstanceCountSampler;
  redisWriter: ListWriter;
}

/** Every invariant, read from the platform itself once the operation closed. */
async function checkInvariants(
  spec: OperationSpec,
  outcome: TrialReport['outcome'],
  probes: TrialProbes,
  before: PlatformBefore,
  bounds: InstanceBounds,
): Promise<InvariantResult[]> {
  const invariants: InvariantResult[] = [];
  invariants.push(completedOrFailedClearly({ ...outcome, unreachablePolls: 0 }));
  invariants.push(probes.sampler.result(bounds, spec.duringUpdate));
  invariants.push(await eventually(() => noOrphanOrDuplicate(SERVICE), 20_000));
  invariants.push(countWithinBounds(new Set((await instanceProcesses(SERVICE)).map((p) => p.name)).size, bounds, false));
  invariants.push(await eventually(() => upstreamAliveAndReady(SERVICE), 30_000));
  invariants.push(neverTwoWritable(probes.prober));
  const pg = await exactlyOnePrimary(90_000);
  invariants.push(pg.result);
  invariants.push(
    await noAcknowledgedRowLost(probes.pgWriter, pg.primary).catch((e: Error) =>
      broken('no acknowledged PostgreSQL write lost', e.message),
    ),
  );
  invariants.push(
    await slotsCoveredNoneOpen(ports.redis[0], 30_000).catch((e: Error) => broken('all 16384 slots covered, none open', e.message)),
  );
  invariants.push(
    await noAcknowledgedRedisWriteLost(probes.redisWriter).catch((e: Error) => broken('no acknowledged Redis write lost', e.message)),
  );
  if (outcome.status === 'FAILED') invariants.push(await rolledBack(spec.domain, before));
  return invariants;
}

async function runTrial(
  client: Client,
  taskQueue: string,
  worker: WorkerSupervisor,
  redisWriter: ListWriter,
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
  };
  probes.pgWriter.start();
  redisWriter.start();
  probes.prober.start(250);
  probes.sampler.start();
  let strikes: { kills: KillRecord[]; serverRestarts: ServerRestartRecord[] } = { kills: [], serverRestarts: [] };
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
    strikes = await strikeAsPlanned(client, worker, plan, started.workflowId, opStart);
    await worker.ensureRunning();
    const closed = await waitForClose(client, started.workflowId, timeoutMs);
    outcome = { status: closed.status, failure: closed.failure, result: closed.result };
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
  const invariants = await checkInvariants(spec, outcome, probes, before, bounds);

  const restoreStart = Date.now();
  const restore: TrialReport['restore'] = { actions: [], ms: 0 };
  try {
    await worker.ensureRunning();
    restore.actions = await restorePlatform(client, taskQueue);
  } catch (error) {
    restore.error = (error as Error).message;
  }
  restore.ms = Date.now() - restoreStart;

  const violations = invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`);
  const trial: TrialReport = {
    index: plan.index,
    operation: plan.operation,
    workflowType: started?.workflowType ?? plan.operation,
    input: started?.input ?? {},
    setup: started?.setup,
    kills,
    serverRestarts,
    outcome,
    invariants,
    violations,
    restore,
    workerUnexpectedExits: worker.unexpectedExits.splice(0),
    operationMs,
    trialMs: Date.now() - trialStart,
  };
  const chaos = [
    ...kills.map((k) => `kill@${k.atMs}ms(${k.workflowStatus}${k.pendingActivities.length ? ` in ${k.pendingActivities.join('+')}` : ''})`),
    ...serverRestarts.map((r) => `${r.kind}@${r.atMs}ms(${r.workflowStatus}, down ${r.downMs}ms)`),
  ].join(' ');
  log(
    `[chaos] trial ${plan.index} ${plan.operation}: ${outcome.status}${outcome.failure ? ` ${outcome.failure.type}` : ''} in ${operationMs} ms; ${chaos || 'no chaos'}; ` +
      `${violations.length ? `VIOLATIONS: ${violations.join(' | ')}` : 'all invariants held'}; restore ${restore.error ? `FAILED: ${restore.error}` : restore.actions.join(', ') || 'nothing to do'} (${restore.ms} ms)`,
  );
  return trial;
}
