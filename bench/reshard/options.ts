// The reshard bench's command line: how many runs of each configuration, the data moved, the
// pipeline values tried for the tuned redis-cli, and how long to wait for a quiet machine.
import { checkRounds, PreflightError } from '../peers/preflight';

export interface BenchOptions {
  /** Runs of each configuration (redis-cli default, redis-cli tuned, ours); at least 3. */
  runs: number;
  /** Keys loaded before the first run, each of `valueBytes`. */
  keys: number;
  valueBytes: number;
  /** Slots moved A -> B in every run (A's lowest ones), then moved back. */
  slots: number;
  /** `--cluster-pipeline` values tried once each way before the runs; the fastest is "tuned". */
  pipelines: number[];
  /** Longest wait for the 1-minute load average to fall under `quietLoad` before each run. */
  quietWaitSeconds: number;
  quietLoad: number;
  /** The writer alone (no reshard) for this long in each round: its baseline. */
  baselineSeconds: number;
  /** Keys the writer RPUSHes onto, and its concurrent requests. */
  writerKeys: number;
  writerConcurrency: number;
  /** DBSIZE on the source this often, for keys/s over time. */
  sampleMs: number;
}

function value(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new PreflightError(`--${name} needs a value`);
  return v;
}

function positive(argv: string[], name: string, fallback: number): number {
  const raw = value(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new PreflightError(`--${name} must be a positive number (got '${raw}')`);
  return n;
}

const KNOWN = ['runs', 'keys', 'value-bytes', 'slots', 'pipelines', 'quiet-wait', 'baseline-seconds', 'writer-keys', 'quick'];

export function parseOptions(argv: string[]): BenchOptions {
  for (const a of argv.filter((x) => x.startsWith('--')))
    if (!KNOWN.includes(a.slice(2))) throw new PreflightError(`unknown option ${a} (known: ${KNOWN.map((k) => `--${k}`).join(', ')})`);
  const quick = argv.includes('--quick');
  const runs = Number(value(argv, 'runs') ?? (quick ? 3 : 5));
  checkRounds(runs, '--runs');
  const pipelines = (value(argv, 'pipelines') ?? (quick ? '100,1000' : '100,1000,4000')).split(',').map(Number);
  if (pipelines.some((p) => !Number.isInteger(p) || p < 1))
    throw new PreflightError(`--pipelines must be comma-separated whole numbers of at least 1 (got '${pipelines.join(',')}')`);
  const opts: BenchOptions = {
    runs,
    keys: positive(argv, 'keys', quick ? 20_000 : 200_000),
    valueBytes: positive(argv, 'value-bytes', 1024),
    slots: positive(argv, 'slots', quick ? 512 : 4096),
    pipelines,
    quietWaitSeconds: Number(value(argv, 'quiet-wait') ?? (quick ? 5 : 60)),
    quietLoad: 1.5,
    baselineSeconds: positive(argv, 'baseline-seconds', quick ? 3 : 10),
    writerKeys: positive(argv, 'writer-keys', quick ? 2000 : 10_000),
    writerConcurrency: 4,
    sampleMs: 250,
  };
  if (!Number.isInteger(opts.slots) || opts.slots > 5000)
    throw new PreflightError(`--slots must be a whole number up to 5000 (the first master owns 5461) (got ${opts.slots})`);
  return opts;
}
