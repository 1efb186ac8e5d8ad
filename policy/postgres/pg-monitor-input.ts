// The long-running monitor's own input fields, on top of pgMonitor's (policy/postgres/pg-input.ts):
// how long one watch lasts, and the state carried through continue-as-new as plain JSON.
// They are split off first, so a one-shot check keeps pgMonitor's strict schema unchanged.
import { z } from 'zod';
import { milliseconds } from '../common/fields';
import type { Parsed } from '../common/input';

export const PG_MONITOR_WATCH_DEFAULTS = {
  /** One watch, then continue-as-new: about two executions per 10 idle minutes. */
  watchMs: 300_000,
} as const;

const detectionState = z.strictObject({
  primary: z.string().nullable(),
  consecutiveFailures: z.number().int().min(0),
  firstFailureAtMs: z.number().nullable(),
  maxConsecutiveFailures: z.number().int().min(0),
});

const totals = z.strictObject({
  runs: z.number().int().min(1),
  watches: z.number().int().min(0),
  rounds: z.number().int().min(0),
  failoversStarted: z.number().int().min(0),
  lastCode: z.string(),
  lastReason: z.string(),
});

const watchSchema = z.strictObject({
  watchMs: milliseconds('watchMs', { min: 1_000, max: 3_600_000, wholeMessage: 'watchMs must be a whole number' }).default(
    PG_MONITOR_WATCH_DEFAULTS.watchMs,
  ),
  carried: z
    .strictObject({ detection: detectionState, totals }, { error: 'carried must be the state a previous run handed over' })
    .optional(),
});

export type PgMonitorWatchInput = z.output<typeof watchSchema>;
export type PgMonitorTotals = z.output<typeof totals>;

/** Splits raw input into pgMonitor's own fields (`base`) and the watch fields; anything not an object is left to the base parser. */
export function splitPgMonitorInput(raw: unknown): { base: unknown; watch: Parsed<PgMonitorWatchInput>; watchFieldsGiven: boolean } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { base: raw, watch: { ok: true, value: watchSchema.parse({}) }, watchFieldsGiven: false };
  const { watchMs, carried, ...base } = raw as Record<string, unknown>;
  const result = watchSchema.safeParse({ watchMs, carried });
  const watch: Parsed<PgMonitorWatchInput> = result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`) };
  return { base, watch, watchFieldsGiven: watchMs !== undefined || carried !== undefined };
}
