// The chaos harness's command line:
//   node dist/test/chaos/run.js --seed 42 --count 50 [--report bench/results/chaos.json] [--operations scaleUp,pgSwitchover]
// The stack's services must be up (bash infra/local/stack.sh services); bench/chaos.sh starts them.
import path from 'node:path';
import { repoRoot } from '../../testkit/stack';
import { runChaos } from './harness';
import { OPERATIONS, planTrials, type OperationName } from './plan';

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

async function main(): Promise<void> {
  const seed = wholeNumber('seed', Date.now() % 1_000_000);
  const count = wholeNumber('count', 10);
  const operations = argument('operations')?.split(',').filter(Boolean) as OperationName[] | undefined;
  const unknown = operations?.filter((o) => !(OPERATIONS as readonly string[]).includes(o)) ?? [];
  if (unknown.length) throw new Error(`--operations: unknown operation(s) ${unknown.join(', ')}; known: ${OPERATIONS.join(', ')}`);
  const reportPath = path.resolve(argument('report') ?? path.join(repoRoot, 'bench', 'results', `chaos-seed${seed}-${count}trials.json`));
  const report = await runChaos({
    seed,
    trials: planTrials({ seed, count, operations }),
    reportPath,
    redisKeys: wholeNumber('redis-keys', 10_000),
  });
  const t = report.totals;
  process.stdout.write(
    `[chaos] done: ${t.trials} trials, ${t.kills} worker kills (${t.killsWhileRunning} mid-operation), ${t.serverRestarts} server restarts (${t.serverRestartsWhileRunning} mid-operation), ` +
      `${t.violations} invariant violations; mean trial ${Math.round(t.meanTrialMs / 1000)} s; report ${reportPath}\n`,
  );
  // Exit explicitly: a client library may keep a timer alive after the run.
  process.exit(t.violations > 0 || report.stoppedEarly ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
