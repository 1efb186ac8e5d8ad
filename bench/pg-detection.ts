// Benchmark: failover detection, from SIGKILL of the primary's postmaster to the start of
// the pgFailover run the monitor starts once the detection rule confirmed the failure.
// Runs against either monitor shape with the same detection settings, so the figures of
// the old and the new code compare (issue 12):
//   --monitor schedule   the old pg-monitor/main Schedule, a pgMonitor run every second
//   --monitor workflow   the long-running pg-monitor/main workflow
// It sets the monitor up through the Temporal client alone, so the same script runs on
// both versions of the code. With the services of your stack up:
//   node dist/bench/pg-detection.js --monitor workflow [--runs 5] [--commit <sha>]
// Writes bench/results/pg-detection-<monitor>-<time>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { pgWorkerEnv, postmasterPid, primeMonitor, sleep, waitClusterHealthy, waitForFailoverRun } from '../testkit/pg-cluster';
import { benchFailed, BenchRefusal, preflight, runCount, stackPorts } from '../testkit/bench/preflight';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { summarize } from './pg-writer';
import { runRecord } from './scale-common';

type MonitorShape = 'schedule' | 'workflow';
const MONITOR_ID = 'pg-monitor/main';
/** Detection settings: pgMonitor's defaults (failedProbes 3, detectionWindowMs 2000, probeIntervalMs 600, receiverSilenceSeconds 3). */
const MONITOR_INPUT = { cluster: 'main' };
const SCHEDULE_EVERY_MS = 1000;
/** A healthy period before each kill, so the monitor has recorded the primary's position. */
const SETTLE_MS = 3000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function endQuietly(promise: Promise<unknown>): Promise<void> {
  await promise.catch(() => undefined); // nothing to end is the state we want
}

async function startMonitor(client: Client, shape: MonitorShape, taskQueue: string): Promise<() => Promise<void>> {
  await endQuietly(client.schedule.getHandle(MONITOR_ID).delete());
  await endQuietly(client.workflow.getHandle(MONITOR_ID).terminate('bench: a fresh monitor'));
  if (shape === 'schedule') {
    await client.schedule.create({
      scheduleId: MONITOR_ID,
      spec: { intervals: [{ every: SCHEDULE_EVERY_MS }] },
      action: { type: 'startWorkflow', workflowType: 'pgMonitor', workflowId: 'pg-monitor-run/main', taskQueue, args: [MONITOR_INPUT] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 seconds' },
    });
    return () => endQuietly(client.schedule.getHandle(MONITOR_ID).delete());
  }
  await client.workflow.start('pgMonitor', { workflowId: MONITOR_ID, taskQueue, args: [MONITOR_INPUT] });
  return () => endQuietly(client.workflow.getHandle(MONITOR_ID).terminate('bench finished'));
}

async function oneRound(client: Client, round: number): Promise<{ round: number; killed: string; detectionMs: number; outcome: unknown }> {
  const primary = await waitClusterHealthy(120_000);
  await sleep(SETTLE_MS);
  const killedAt = Date.now();
  process.kill(postmasterPid(primary), 'SIGKILL');
  const run = await waitForFailoverRun(client, killedAt, 120_000);
  const figures = {
    round,
    killed: primary,
    detectionMs: run.startedAtMs - killedAt,
    outcome: (run.result as { outcome?: string }).outcome ?? run.status,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  return figures;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const shape = arg('monitor', 'workflow') as MonitorShape;
  const shapeKnown = () => {
    if (shape !== 'schedule' && shape !== 'workflow') throw new BenchRefusal(`--monitor must be schedule or workflow, not '${shape}'`);
  };
  await preflight({
    bench: 'pg-detection',
    ports: stackPorts('temporal', 'postgres'),
    inputs: [shapeKnown, () => runCount('runs', arg('runs', '5'))],
  });
  const runs = runCount('runs', arg('runs', '5'));
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const { client, connection } = await temporalClient();
  const taskQueue = taskQueueFor(`bench pg detection ${shape}`);
  const rounds: Array<Awaited<ReturnType<typeof oneRound>>> = [];
  try {
    await withWorker(
      taskQueue,
      async () => {
        await primeMonitor(client, taskQueue);
        const stop = await startMonitor(client, shape, taskQueue);
        try {
          for (let i = 1; i <= runs; i++) rounds.push(await oneRound(client, i));
          await waitClusterHealthy(120_000);
        } finally {
          await stop();
        }
      },
      pgWorkerEnv(),
    );
  } finally {
    await connection.close();
  }
  const result = {
    benchmark: 'pg-detection',
    measures: 'SIGKILL of the primary postmaster -> start of the pgFailover run the monitor started (failure confirmed)',
    ...runRecord(loadBefore),
    // --commit names the code under test when this script runs against another checkout's build.
    commit: arg('commit', gitCommit()),
    monitor: shape,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { nproc: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    settings: {
      monitorInput: MONITOR_INPUT,
      scheduleEveryMs: shape === 'schedule' ? SCHEDULE_EVERY_MS : undefined,
      settleMs: SETTLE_MS,
      runs,
    },
    rounds,
    detectionMs: summarize(rounds.map((r) => r.detectionMs)),
  };
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pg-detection-${shape}-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `results: ${path.relative(repoRoot, file)}\ndetection p50 ${result.detectionMs.p50} ms over ${rounds.length} rounds\n`,
  );
}

main().then(() => process.exit(0), benchFailed);
