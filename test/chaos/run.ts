// The chaos harness's command line (the long pass is this one command):
//   node dist/test/chaos/run.js --trials 50 --seeds 1,2,3 [--operations scaleUp,pgSwitchover] [--out bench/results]
//   node dist/test/chaos/run.js --seed 42 --count 50 [--report bench/results/chaos.json]   (one seed, as before)
// Each seed writes its JSON report; several seeds also write a per-fault summary (JSON and
// Markdown table) beside them. The stack's services must be up (bash infra/local/stack.sh
// services); bench/chaos.sh starts them.
import path from 'node:path';
import { repoRoot } from '../../testkit/stack';
import { runChaos } from './harness';
import { OPERATIONS, planTrials, type OperationName } from './plan';
import type { ChaosReport } from './report';
import { writeSummary } from './summary';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function wholeNumber(name: string, fallback: number): number {
  const text = argument(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got "${text}"`);
  return value;
}

function seedsOf(): number[] {
  const list = argument('seeds');
  if (list === undefined) return [wholeNumber('seed', Date.now() % 1_000_000)];
  const seeds = list.split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must be whole numbers separated by commas, got "${list}"`);
  return seeds;
}

async function main(): Promise<void> {
  const seeds = seedsOf();
  const count = wholeNumber('trials', wholeNumber('count', 10));
  const operations = argument('operations')?.split(',').filter(Boolean) as OperationName[] | undefined;
  const unknown = operations?.filter((o) => !(OPERATIONS as readonly string[]).includes(o)) ?? [];
  if (unknown.length) throw new Error(`--operations: unknown operation(s) ${unknown.join(', ')}; known: ${OPERATIONS.join(', ')}`);
  const outDir = path.resolve(argument('out') ?? path.join(repoRoot, 'bench', 'results'));
  const reports: Array<{ file: string; report: ChaosReport }> = [];
  let failed = false;
  for (const seed of seeds) {
    const single = seeds.length === 1 ? argument('report') : undefined;
    const reportPath = path.resolve(single ?? path.join(outDir, `chaos-seed${seed}-${count}trials.json`));
    const report = await runChaos({
      seed,
      trials: planTrials({ seed, count, operations }),
      reportPath,
      redisKeys: wholeNumber('redis-keys', 10_000),
    });
    reports.push({ file: reportPath, report });
    const t = report.totals;
    const faults = Object.values(t.faults).reduce((n, row) => n + row.struck, 0);
    process.stdout.write(
      `[chaos] seed ${seed} done: ${t.trials} trials, ${t.kills} worker kills (${t.killsWhileRunning} mid-operation), ${t.serverRestarts} server restarts (${t.serverRestartsWhileRunning} mid-operation), ` +
        `${faults} platform faults, ${t.violations} invariant violations; mean trial ${Math.round(t.meanTrialMs / 1000)} s; report ${reportPath}\n`,
    );
    failed ||= t.violations > 0 || report.stoppedEarly !== undefined;
    if (report.stoppedEarly) break;
  }
  if (seeds.length > 1) {
    const summary = writeSummary(outDir, reports);
    process.stdout.write(`[chaos] summary: ${summary.markdown}\n${summary.table}\n`);
  }
  // Exit explicitly: a client library may keep a timer alive after the run.
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
