// jarvis-scale backtest: what the autoscale policy would have done over recorded load, against
// what ran (policy/scaling/backtest.ts), from a recorded JSON file or from Prometheus over a
// time range, with settings overridden for "what if". Bad input changes nothing and exits 2.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AUTOSCALE_ENV } from '../config/worker-config';
import { validateAutoscaleConfig } from '../policy/scaling/autoscale-config';
import type { AutoscaleConfig } from '../policy/scaling/autoscale';
import { runBacktest, type BacktestResult, type LoadPoint } from '../policy/scaling/backtest';
import { checkRange, parseRecording, parseTimeArgument } from '../policy/scaling/backtest-input';
import { prometheusRetentionSeconds, readLoadPoints } from '../read-models/prometheus-load';
import { renderBacktestSvg } from './backtest-chart';
import { cliConfig } from './connect';
import { CliError, ExitCode, usageError } from './errors';
import type { Output } from './output';
import type { GlobalOptions } from './session';
import { renderBacktest } from './backtest-render';

export interface BacktestOptions {
  file?: string;
  from?: string;
  to: string;
  step?: string;
  service?: string;
  prometheus?: string;
  set: string[];
  startInstances?: string;
  plot?: string;
}

type Action = (fn: (g: GlobalOptions, out: Output, o: BacktestOptions) => Promise<void>) => (o: BacktestOptions) => Promise<void>;

/** NAME=VALUE by the setting's variable (SCALE_UP_THRESHOLD) or its field (scaleUpThreshold). */
function overrides(base: AutoscaleConfig, sets: string[]): AutoscaleConfig {
  const byEnv: Record<string, string> = { MIN_INSTANCES: 'minInstances', MAX_INSTANCES: 'maxInstances' };
  for (const [field, env] of Object.entries(AUTOSCALE_ENV)) byEnv[env] = field;
  const raw: Record<string, unknown> = { ...base };
  const problems: string[] = [];
  for (const set of sets) {
    const [name, value, extra] = set.split('=');
    const field = byEnv[name] ?? (name in base ? name : undefined);
    if (extra !== undefined || value === undefined || !field)
      problems.push(`--set ${set}: expected NAME=VALUE with one of ${Object.keys(byEnv).join(', ')}`);
    else raw[field] = Number(value);
  }
  if (problems.length) throw usageError(problems, 'e.g. --set SCALE_UP_THRESHOLD=0.7');
  const parsed = validateAutoscaleConfig(raw);
  if (!parsed.ok) throw usageError(parsed.problems, 'fix the --set values it names');
  return parsed.value;
}

function readRecordedFile(file: string): LoadPoint[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw usageError(
      [`cannot read ${file} as JSON: ${(error as Error).message}`],
      'pass a recorded load file (docs/scaling.md#policy-backtest)',
    );
  }
  const parsed = parseRecording(raw);
  if (!parsed.ok)
    throw usageError(
      parsed.problems.map((p) => `${file}: ${p}`),
      'fix the recording (docs/scaling.md#policy-backtest)',
    );
  return parsed.value.points;
}

async function readFromPrometheus(o: BacktestOptions, stepSeconds: number, service: string, memoryLimitMb: number, url: string) {
  const nowMs = Date.now();
  const fromMs = parseTimeArgument(o.from ?? '', nowMs);
  const toMs = parseTimeArgument(o.to, nowMs);
  const bad = [fromMs === undefined ? `--from "${o.from}" is not a time` : '', toMs === undefined ? `--to "${o.to}" is not a time` : ''];
  if (fromMs === undefined || toMs === undefined) throw usageError(bad.filter(Boolean), 'use an ISO time, epoch seconds, now, or -2h');
  let retentionSeconds: number;
  try {
    retentionSeconds = await prometheusRetentionSeconds(url);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.failed, 'start the stack, or pass --prometheus <url> (PROMETHEUS_URL)');
  }
  // Whole seconds, so the answer's timestamps fall on the steps asked for.
  const range = { fromMs: Math.floor(fromMs / 1000) * 1000, toMs: Math.floor(toMs / 1000) * 1000, stepSeconds, nowMs, retentionSeconds };
  const problems = checkRange(range);
  if (problems.length) throw usageError(problems, 'choose a range inside what Prometheus keeps, --from before --to');
  const { points, stepsWithoutData } = await readLoadPoints({ prometheusUrl: url, service, memoryLimitMb, ...range });
  if (points.length < 2)
    throw new CliError(
      `Prometheus has fewer than 2 steps with ${service} instances in that range`,
      ExitCode.failed,
      'choose a range when the service ran',
    );
  return { points, stepsWithoutData };
}

export async function backtestCommand(_g: GlobalOptions, out: Output, o: BacktestOptions): Promise<void> {
  const config = cliConfig();
  if (Boolean(o.file) === Boolean(o.from))
    throw usageError(['give either --file <recording.json> or --from <time> (with --to)'], 'see jarvis-scale backtest --help');
  const policy = overrides(config.autoscale, o.set);
  const service = o.service ?? config.services[0];
  const stepSeconds = o.step === undefined ? policy.checkIntervalSeconds : Number(o.step);
  const start = o.startInstances === undefined ? undefined : Number(o.startInstances);
  if (start !== undefined && !(Number.isInteger(start) && start >= 0))
    throw usageError([`--start-instances "${o.startInstances}" must be a whole number`], 'e.g. --start-instances 3');
  const source = o.file
    ? { points: readRecordedFile(o.file), stepsWithoutData: 0, from: o.file }
    : {
        ...(await readFromPrometheus(o, stepSeconds, service, config.instanceMemoryLimitMb, o.prometheus ?? config.prometheusUrl)),
        from: 'prometheus',
      };
  const result: BacktestResult = runBacktest(source.points, policy, start);
  if (o.plot) writeFileSync(o.plot, await renderBacktestSvg(result, `${service}: autoscale policy backtest (${source.from})`));
  out.result({ ok: true, service, source: source.from, stepsWithoutData: source.stepsWithoutData, plot: o.plot ?? null, ...result }, () =>
    renderBacktest(result, { service, source: source.from, plot: o.plot }),
  );
}

export function registerBacktest(program: Command, action: Action): void {
  program
    .command('backtest')
    .description('replay recorded metrics through the autoscale policy: what it would have done (instances, reason codes) against what ran')
    .option('--file <recording.json>', 'recorded load points (docs/scaling.md#policy-backtest)')
    .option('--from <time>', 'read Prometheus from this time: ISO, epoch seconds, or relative like -2h')
    .option('--to <time>', 'until this time', 'now')
    .option('--step <seconds>', 'seconds between two checks (default: CHECK_INTERVAL)')
    .option('--service <name>', 'the service whose metrics to read (default: the first of SERVICES)')
    .option('--prometheus <url>', 'the Prometheus to read (default: PROMETHEUS_URL)')
    .option(
      '--set <NAME=VALUE>',
      'what if: override a setting, e.g. SCALE_UP_THRESHOLD=0.7 (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--start-instances <n>', 'instances at the first point (default: the count that actually ran then)')
    .option('--plot <file.svg>', 'also draw the timeline as SVG')
    .action(action(backtestCommand));
}
