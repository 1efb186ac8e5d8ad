// Benchmark: move the same slots of a Redis Cluster three ways, interleaved, in rotating order:
// `redis-cli --cluster reshard` at its default pipeline (10 keys per MIGRATE), redis-cli tuned
// (the fastest --cluster-pipeline of a short trial, recorded), and redisReshard at its defaults.
// Each run moves the first master's lowest N slots to the second and then back (unmeasured), so
// every run starts from the same layout and moves the same keys (asserted). A writer RPUSHes
// numbered values throughout; its throughput and p99 are reported per run and for a baseline
// with nothing moving, and every acknowledged write must be found afterwards (asserted 0 lost).
// Before each run it waits (bounded) for the 1-minute load average to fall under 1.5 and labels
// the run quiet or loaded. Writes bench/results/redis-reshard-<date>.json and a chart beside it.
//   node dist/bench/redis-reshard.js [--runs 5] [--keys 200000] [--value-bytes 1024] [--slots 4096]
//     [--pipelines 100,1000,4000] [--quiet-wait 60] [--baseline-seconds 10] [--writer-keys 10000] [--quick]
// Against this environment's stack (bash infra/local/stack.sh services); it refuses another's.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { slotCount } from '../policy/redis/redis-cluster-view';
import { assertBaseCluster, clusterView, redisWorkerEnv } from '../testkit/redis';
import { resilientClusterClient } from '../testkit/redis-writer';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { startWorkerProcess } from '../testkit/workers';
import { PreflightError } from './peers/preflight';
import { runRecord, toolVersion, writeResult } from './scale-common';
import { renderReshardChart } from './reshard/chart';
import {
  oursMover,
  oursSettings,
  redisCliMover,
  redisCliSettings,
  REDIS_CLI_DEFAULT_PIPELINE,
  type Move,
  type Mover,
} from './reshard/movers';
import { parseOptions, type BenchOptions } from './reshard/options';
import { checkOwnStack, redisCliPath } from './reshard/preflight';
import { baseline, measuredRun, type RunFigures } from './reshard/run';
import { byConfiguration, CONFIGURATIONS, goals } from './reshard/summary';
import { choosePipeline } from './reshard/tune';

/** The bench's own keys, all of `valueBytes`, written (or removed) 5000 at a time. */
async function eachKey(opts: BenchOptions, write: boolean): Promise<void> {
  const cluster = resilientClusterClient();
  const value = 'x'.repeat(opts.valueBytes);
  for (let start = 0; start < opts.keys; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, opts.keys - start) }, (_, j) => `bench:${start + j}`);
    await Promise.all(batch.map((k) => (write ? cluster.set(k, value) : cluster.unlink(k))));
  }
  cluster.disconnect();
}

/** Round r runs the configurations rotated by r - 1: each goes first, second and third in turn. */
export function orderOf(round: number): string[] {
  const shift = (round - 1) % CONFIGURATIONS.length;
  return [...CONFIGURATIONS.slice(shift), ...CONFIGURATIONS.slice(0, shift)];
}

async function rounds(opts: BenchOptions, movers: Record<string, Mover>, moveBack: Mover, there: Move, sourcePort: number) {
  const runs: RunFigures[] = [];
  const baselines = [];
  for (let round = 1; round <= opts.runs; round++) {
    baselines.push(await baseline(opts, round));
    for (const [i, configuration] of orderOf(round).entries()) {
      const plan = { configuration, round, position: i + 1, mover: movers[configuration], moveBack, there, sourcePort };
      runs.push(await measuredRun(opts, plan));
      await assertBaseCluster(60_000);
    }
  }
  return { runs, baselines };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const cli = redisCliPath();
  await checkOwnStack();
  const loadBefore = os.loadavg();
  await assertBaseCluster();
  process.stdout.write(`loading ${opts.keys} keys of ${opts.valueBytes} bytes\n`);
  await eachKey(opts, true);
  const view = await clusterView();
  const [a, b] = view.nodes.filter((n) => n.role === 'master').sort((x, y) => x.slots[0][0] - y.slots[0][0]);
  if (slotCount(a.slots) < opts.slots) throw new PreflightError(`master ${a.port} owns fewer than ${opts.slots} slots`);
  const there: Move = { from: a.id, to: b.id, slots: opts.slots };

  const trial = await choosePipeline(cli, opts.pipelines, there, { from: a.port, to: b.port }, () => os.loadavg()[0]);
  const { client, connection } = await temporalClient();
  const taskQueue = taskQueueFor('bench redis reshard');
  // Its own process, as redis-cli is: the worker does not share the writer's event loop.
  const worker = await startWorkerProcess(taskQueue, redisWorkerEnv());
  let measured: Awaited<ReturnType<typeof rounds>>;
  try {
    const movers = {
      'redis-cli default': redisCliMover(cli, REDIS_CLI_DEFAULT_PIPELINE),
      'redis-cli tuned': redisCliMover(cli, trial.best),
      ours: oursMover(client, taskQueue),
    };
    measured = await rounds(opts, movers, redisCliMover(cli, trial.best), there, a.port);
  } finally {
    await worker.kill('SIGTERM');
    await connection.close();
    await eachKey(opts, false);
  }
  await report(opts, cli, loadBefore, trial, measured);
}

async function report(
  opts: BenchOptions,
  cli: string,
  loadBefore: number[],
  trial: Awaited<ReturnType<typeof choosePipeline>>,
  { runs, baselines }: Awaited<ReturnType<typeof rounds>>,
): Promise<void> {
  const keysMoved = [...new Set(runs.map((r) => r.keysMoved))];
  const summary = byConfiguration(runs);
  const lost = runs.reduce((n, r) => n + r.lostAcknowledgedWrites, 0) + baselines.reduce((n, r) => n + r.lostAcknowledgedWrites, 0);
  const tunedWhy = `measured: the fastest of --pipelines ${opts.pipelines.join(',')} in the trial below (the issue suggests 1000)`;
  const result = {
    benchmark: 'redis-reshard',
    ...runRecord(loadBefore),
    quietLoadThreshold: opts.quietLoad,
    options: opts,
    redisCliVersion: await toolVersion(cli, ['--version']),
    settings: {
      'redis-cli default': redisCliSettings(REDIS_CLI_DEFAULT_PIPELINE, ''),
      'redis-cli tuned': redisCliSettings(trial.best, tunedWhy),
      ours: oursSettings(),
      moveBack: `redis-cli --cluster-pipeline ${trial.best} (unmeasured), so each run starts from the same layout`,
    },
    pipelineTrial: trial,
    sameKeysEveryRun: keysMoved.length === 1,
    keysMovedPerRun: keysMoved,
    summary,
    goals: goals(summary),
    writerBaseline: baselines,
    lostAcknowledgedWritesTotal: lost,
    runs,
  };
  const file = writeResult('redis-reshard', result);
  const svg = file.replace(/\.json$/, '.svg');
  writeFileSync(
    path.join(repoRoot, svg),
    await renderReshardChart(runs, `Keys moved per second, ${opts.slots} slots (${keysMoved.join('/')} keys)`),
  );
  process.stdout.write(`${JSON.stringify({ summary, goals: result.goals }, null, 2)}\nwrote ${file} and ${svg}\n`);
  if (lost > 0) throw new Error(`${lost} acknowledged writes were lost (must be 0): see ${file}`);
  if (keysMoved.length !== 1) throw new Error(`the runs moved different key counts (${keysMoved.join(', ')}): see ${file}`);
}

main().catch((error) => {
  if (error instanceof PreflightError) {
    process.stderr.write(`redis-reshard: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
