// The preflight for a bench written in shell (bench/chaos.sh):
//   node dist/testkit/bench/preflight-cli.js <bench> <parts: temporal,postgres,redis,nginx,prometheus> [--runs N]
// Exits 2 with the refusal's message, or 0 when the bench may run.
import { benchFailed, preflight, runCount, stackPorts } from './preflight';

type Part = Parameters<typeof stackPorts>[0];

async function main(): Promise<void> {
  const [bench = 'bench', parts = ''] = process.argv.slice(2);
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? (process.argv[i + 1] ?? '') : undefined;
  await preflight({
    bench,
    ports: stackPorts(...(parts.split(',').filter(Boolean) as Part[])),
    inputs: runs === undefined ? [] : [() => runCount('runs', runs)],
  });
}

main().catch(benchFailed);
