// One measured run: wait (bounded) for a quiet machine, start the writer and the DBSIZE
// sampler, move the slots A -> B with one configuration, then stop both, check that every
// acknowledged write is present, and put the slots back B -> A (unmeasured) so the next run
// starts from the same layout. The baseline is the same writer with no reshard.
import os from 'node:os';
import { ListWriter } from '../../testkit/redis-writer';
import { assertBaseCluster, withNode } from '../../testkit/redis';
import type { BenchOptions } from './options';
import type { Move, Mover } from './movers';
import { rates, startSampler, type Sample } from './sampler';

export interface Machine {
  /** The 1-minute load average when the run started (after the wait). */
  loadAtStart: number;
  /** Under the quiet threshold at the start. */
  quiet: boolean;
  waitedSeconds: number;
}

export interface RunFigures extends Machine {
  configuration: string;
  round: number;
  /** Place in its round's order (1 = went first). */
  position: number;
  seconds: number;
  keysMoved: number;
  keysPerSecond: number;
  writerWritesPerSecond: number;
  writerP99Ms: number;
  writerErrors: number;
  lostAcknowledgedWrites: number;
  overTime: Array<{ t: number; keysPerSecond: number }>;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export async function waitForQuiet(opts: BenchOptions): Promise<Machine> {
  const began = Date.now();
  while (os.loadavg()[0] >= opts.quietLoad && Date.now() - began < opts.quietWaitSeconds * 1000)
    await new Promise((r) => setTimeout(r, 5000));
  const load = os.loadavg()[0];
  return { loadAtStart: round2(load), quiet: load < opts.quietLoad, waitedSeconds: Math.round((Date.now() - began) / 1000) };
}

async function dbsize(port: number): Promise<number> {
  return withNode(port, async (r) => Number(await r.call('DBSIZE')));
}

/** The writer alone for `seconds`: its throughput and p99 with nothing moving. */
export async function baseline(opts: BenchOptions, round: number) {
  const machine = await waitForQuiet(opts);
  const writer = new ListWriter(opts.writerKeys, opts.writerConcurrency, { prefix: 'reshard-bench-writer' });
  await writer.populate();
  writer.start();
  await new Promise((r) => setTimeout(r, opts.baselineSeconds * 1000));
  const report = await writer.stop();
  const lost = (await writer.verify()).problems.length;
  await writer.cleanup();
  return {
    round,
    ...machine,
    writerWritesPerSecond: Math.round(report.writes / opts.baselineSeconds),
    writerP99Ms: report.p99Ms,
    writerErrors: report.errors,
    lostAcknowledgedWrites: lost,
  };
}

export interface RunPlan {
  configuration: string;
  round: number;
  position: number;
  mover: Mover;
  /** Puts the slots back after the run. */
  moveBack: Mover;
  there: Move;
  sourcePort: number;
}

export async function measuredRun(opts: BenchOptions, plan: RunPlan): Promise<RunFigures> {
  const machine = await waitForQuiet(opts);
  const writer = new ListWriter(opts.writerKeys, opts.writerConcurrency, { prefix: 'reshard-bench-writer' });
  await writer.populate();
  const before = await dbsize(plan.sourcePort);
  writer.start();
  const sampler = await startSampler(plan.sourcePort, opts.sampleMs);
  const began = performance.now();
  let samples: Sample[];
  try {
    await plan.mover(plan.there);
  } finally {
    samples = await sampler.stop();
  }
  const seconds = (performance.now() - began) / 1000;
  const report = await writer.stop();
  const keysMoved = before - (await dbsize(plan.sourcePort));
  const lost = (await writer.verify()).problems.length;
  await writer.cleanup();
  // redis-cli refuses to start while the nodes' views still disagree about the moved slots.
  await assertBaseCluster(60_000);
  await plan.moveBack({ from: plan.there.to, to: plan.there.from, slots: plan.there.slots });
  const figures: RunFigures = {
    configuration: plan.configuration,
    round: plan.round,
    position: plan.position,
    ...machine,
    seconds: round2(seconds),
    keysMoved,
    keysPerSecond: Math.round(keysMoved / seconds),
    writerWritesPerSecond: Math.round(report.writes / seconds),
    writerP99Ms: report.p99Ms,
    writerErrors: report.errors,
    lostAcknowledgedWrites: lost,
    overTime: rates(samples),
  };
  const { overTime, ...printed } = figures;
  process.stdout.write(`${JSON.stringify(printed)} (${overTime.length} samples)\n`);
  return figures;
}
