// What a backtest reads, checked before anything runs: a recorded load file, or a time range
// of Prometheus data (which must end after it starts and fit in what Prometheus keeps).
// Pure: the clock and the retention come in as arguments.
import { z } from 'zod';
import type { LoadPoint } from './backtest';
import type { Parsed } from '../common/input';

const figure = (name: string) => z.number({ error: `${name} must be a number` }).min(0, `${name} must not be negative`);

const pointSchema = z.strictObject({
  at: z.union([z.string(), z.number()], { error: 'at must be an ISO time or epoch milliseconds' }),
  actualInstances: figure('actualInstances').int('actualInstances must be a whole number'),
  cpuPercentSum: figure('cpuPercentSum'),
  requestRateSum: figure('requestRateSum'),
  memoryPercentAvg: figure('memoryPercentAvg'),
});

const recordingSchema = z.strictObject(
  {
    service: z.string().optional(),
    /** Free text: where the recording came from. */
    description: z.string().optional(),
    points: z.array(pointSchema, { error: 'points must be a list' }).min(2, 'a recording needs at least 2 points'),
  },
  {
    error: 'a recording is a JSON object {"points": [{"at", "actualInstances", "cpuPercentSum", "requestRateSum", "memoryPercentAvg"}, …]}',
  },
);

export interface Recording {
  service?: string;
  description?: string;
  points: LoadPoint[];
}

function timeOf(at: string | number): number {
  return typeof at === 'number' ? at : Date.parse(at);
}

/** A recorded load file's JSON, checked: every problem named with its point's index. */
export function parseRecording(raw: unknown): Parsed<Recording> {
  const result = recordingSchema.safeParse(raw);
  if (!result.success)
    return { ok: false, problems: result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)) };
  const problems: string[] = [];
  const points = result.data.points.map((p, i) => {
    const atMs = timeOf(p.at);
    if (!Number.isFinite(atMs)) problems.push(`points.${i}.at: "${p.at}" is not a time`);
    return { ...p, atMs };
  });
  const seen = new Set<number>();
  points.forEach((p, i) => {
    if (seen.has(p.atMs)) problems.push(`points.${i}.at: a second point at the same time`);
    seen.add(p.atMs);
  });
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      service: result.data.service,
      description: result.data.description,
      points: points.map(({ atMs, actualInstances, cpuPercentSum, requestRateSum, memoryPercentAvg }) => ({
        atMs,
        actualInstances,
        cpuPercentSum,
        requestRateSum,
        memoryPercentAvg,
      })),
    },
  };
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration ("2d", "15d", "1h30m", "90s") in seconds; undefined when it is not one. */
export function parsePromDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text.trim()) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]], 0);
}

/** "now", "-2h" (before now), an ISO time, or epoch seconds; undefined when it is none of these. */
export function parseTimeArgument(text: string, nowMs: number): number | undefined {
  const t = text.trim();
  if (t === 'now') return nowMs;
  if (t.startsWith('-')) {
    const seconds = parsePromDuration(t.slice(1));
    return seconds === undefined ? undefined : nowMs - seconds * 1000;
  }
  if (/^\d{9,11}(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

function human(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds)}s`;
}

export interface RangeCheck {
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  nowMs: number;
  /** What Prometheus keeps (--storage.tsdb.retention.time), in seconds. */
  retentionSeconds: number;
}

/** The range a Prometheus backtest asks for: it must end after it starts and fit in the retention. */
export function checkRange(r: RangeCheck): string[] {
  const problems: string[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  if (r.toMs <= r.fromMs) problems.push(`the range ends (${iso(r.toMs)}) before it starts (${iso(r.fromMs)}): --to must be after --from`);
  const length = (r.toMs - r.fromMs) / 1000;
  if (length > r.retentionSeconds)
    problems.push(`the range is ${human(length)} long, longer than Prometheus keeps data (retention ${human(r.retentionSeconds)})`);
  else if (r.fromMs < r.nowMs - r.retentionSeconds * 1000)
    problems.push(`the range starts at ${iso(r.fromMs)}, before the oldest data Prometheus keeps (retention ${human(r.retentionSeconds)})`);
  if (!(r.stepSeconds >= 1)) problems.push(`the step must be at least 1 s (got ${r.stepSeconds})`);
  else if (length / r.stepSeconds > 11_000)
    problems.push(
      `${Math.ceil(length / r.stepSeconds)} points at a ${r.stepSeconds} s step; Prometheus answers at most 11000: raise --step`,
    );
  return problems;
}
