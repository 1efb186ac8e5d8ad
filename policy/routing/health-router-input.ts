// The healthRouter workflow's input and the router's settings, validated in one place:
// the worker's HEALTH_ROUTER_* variables and a workflow input's overrides use the same rules.
import { z } from 'zod';
import { HEALTH_ROUTER_DEFAULTS, type HealthRouterSettings, type RouterState } from './health-router';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';
import type { Parsed } from '../common/input';

const num = (name: string, min: number, max: number, unit: string) =>
  z
    .number({ error: `${name} must be a number (${unit})` })
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
const whole = (name: string, min: number, max: number, unit: string) => num(name, min, max, unit).int(`${name} must be a whole number`);

/** Each setting with its bounds; the error names the field. */
export const settingsShape = {
  probeIntervalSeconds: num('probeIntervalSeconds', 0.2, 3600, 'seconds between probe rounds'),
  probeTimeoutMs: whole('probeTimeoutMs', 50, 60_000, 'milliseconds one probe may take'),
  failureThreshold: whole('failureThreshold', 1, 100, 'failed rounds in a row that eject an instance'),
  openSeconds: num('openSeconds', 0, 3600, 'seconds an ejected instance waits before half-open probes count'),
  recoveryProbes: whole('recoveryProbes', 1, 100, 'good half-open probes in a row that bring an instance back'),
  rampSeconds: num('rampSeconds', 0, 3600, 'seconds from weight 1 to full weight'),
  fullWeight: whole('fullWeight', 1, 100, 'nginx weight of an instance at full health'),
  reloadIntervalSeconds: num('reloadIntervalSeconds', 0, 3600, 'least seconds between two nginx reloads'),
  maxErrorRate: num('maxErrorRate', 0, 1, 'fraction of 5xx answers above which a round fails').gt(0, 'maxErrorRate must be above 0'),
  minRequests: whole('minRequests', 1, 1_000_000, 'requests a round needs before its error rate counts'),
  maxEjectedPercent: num('maxEjectedPercent', 0, 100, 'percent of the members that may be ejected at once'),
  roundsPerRun: whole('roundsPerRun', 1, 10_000, 'rounds before the workflow continues as new'),
};

const settingsSchema = z.strictObject(settingsShape);

export function validateHealthRouterSettings(raw: HealthRouterSettings): Parsed<HealthRouterSettings> {
  const result = settingsSchema.safeParse(raw);
  if (!result.success) return { ok: false, problems: result.error.issues.map((i) => i.message) };
  if (result.data.probeTimeoutMs > result.data.probeIntervalSeconds * 1000 + 10_000) {
    return { ok: false, problems: ['probeTimeoutMs must not exceed probeIntervalSeconds × 1000 + 10000, or rounds pile up'] };
  }
  return { ok: true, value: result.data };
}

const counters = z.object({ total: z.number().min(0), errors: z.number().min(0) }).nullable();
const routingState = z.strictObject({
  since: z.number(),
  breaker: z.enum(['closed', 'open', 'half-open', 'draining']),
  consecutiveFailures: z.number().int().min(0),
  consecutiveSuccesses: z.number().int().min(0),
  openedAtMs: z.number().nullable(),
  rampStartedAtMs: z.number().nullable(),
  counters,
});

/** What one run hands the next through continueAsNew. Not for callers: a fresh start omits it. */
const carriedSchema = z.strictObject({
  state: z.strictObject({ started: z.boolean(), instances: z.record(z.string(), routingState) }),
  totals: z.strictObject({
    rounds: z.number().int().min(0),
    runs: z.number().int().min(1),
    reloadsApplied: z.number().int().min(0),
    reloadsDeferred: z.number().int().min(0),
    roundsUnchanged: z.number().int().min(0),
    probeFailures: z.number().int().min(0),
  }),
  /** The latest breaker transitions, so the progress query keeps them across runs. */
  events: z
    .array(z.strictObject({ round: z.number().int(), instance: z.string(), code: z.string(), detail: z.string() }))
    .max(100)
    .default([]),
});

const inputSchema = z.strictObject(
  {
    service: z
      .string({ error: 'service must be a string such as "jarvis-app"' })
      .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)'),
    ...Object.fromEntries(Object.entries(settingsShape).map(([k, v]) => [k, v.optional()])),
    carried: carriedSchema.optional(),
  } as { service: z.ZodString; carried: z.ZodOptional<typeof carriedSchema> } & {
    [K in keyof typeof settingsShape]: z.ZodOptional<(typeof settingsShape)[K]>;
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'input must be a JSON object such as {"service":"jarvis-app"}',
  },
);

export type HealthRouterTotals = z.output<typeof carriedSchema>['totals'];
export type HealthRouterEventRecord = z.output<typeof carriedSchema>['events'][number];
export type HealthRouterInput = {
  service: string;
  carried?: { state: RouterState; totals: HealthRouterTotals; events: HealthRouterEventRecord[] };
} & Partial<HealthRouterSettings>;

export function parseHealthRouterInput(raw: unknown): Parsed<HealthRouterInput> {
  const result = inputSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data as HealthRouterInput };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => (issue.path.length > 1 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)),
  };
}

/** The worker's settings with the input's overrides on top; the overrides are checked together with them. */
export function mergeHealthRouterSettings(defaults: HealthRouterSettings, input: HealthRouterInput): Parsed<HealthRouterSettings> {
  const merged = { ...defaults };
  for (const key of Object.keys(HEALTH_ROUTER_DEFAULTS) as Array<keyof HealthRouterSettings>) {
    if (input[key] !== undefined) merged[key] = input[key]!;
  }
  return validateHealthRouterSettings(merged);
}
