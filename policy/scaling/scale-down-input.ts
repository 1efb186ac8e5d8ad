import { z } from 'zod';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';
import { SCALE_DEFAULTS, type Parsed } from './scale-input';

export const DRAIN_DEFAULTS = { drainTimeoutSeconds: 30, shutdownGraceSeconds: 35 } as const;

const serviceName = z
  .string({ error: 'service must be a string such as "jarvis-app"' })
  .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)');

const objectError = (example: string) => ({
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `unknown field(s): ${(issue.keys ?? []).join(', ')}`
      : `input must be a JSON object such as ${example}`,
});

export const cooldown = z
  .number({ error: 'cooldownSeconds must be a number of seconds, such as 300' })
  .min(0, 'cooldownSeconds must not be negative')
  .max(86_400, 'cooldownSeconds must be at most 86400 (one day)');
export const drainTimeout = z
  .number({ error: 'drainTimeoutSeconds must be a number of seconds, such as 30' })
  .min(0, 'drainTimeoutSeconds must not be negative')
  .max(3_600, 'drainTimeoutSeconds must be at most 3600');

const scaleDownSchema = z.strictObject(
  {
    service: serviceName,
    count: z
      .number({ error: 'count must be a number of instances to remove, such as 1' })
      .int('count must be a whole number')
      .min(1, 'count must be at least 1')
      .max(20, 'count must be at most 20 per operation')
      .default(SCALE_DEFAULTS.count),
    victim: z.enum(['newest', 'least-loaded'], { error: 'victim must be "newest" or "least-loaded"' }).default('newest'),
    cooldownSeconds: cooldown.default(SCALE_DEFAULTS.cooldownSeconds),
    drainTimeoutSeconds: drainTimeout.default(DRAIN_DEFAULTS.drainTimeoutSeconds),
  },
  objectError('{"service":"jarvis-app"}'),
);

const drainSchema = z.strictObject(
  {
    instance: z
      .string({ error: 'instance must be an instance name such as "jarvis-app-3"' })
      .regex(/^[a-z][a-z0-9-]{0,39}-[1-9][0-9]{0,3}$/, 'instance must be an instance name such as "jarvis-app-3"'),
    cooldownSeconds: cooldown.default(0),
    drainTimeoutSeconds: drainTimeout.default(DRAIN_DEFAULTS.drainTimeoutSeconds),
  },
  objectError('{"instance":"jarvis-app-3"}'),
);

export type ScaleDownInput = z.output<typeof scaleDownSchema>;
export type DrainInstanceInput = z.output<typeof drainSchema> & { service: string };

export function parseScaleDownInput(raw: unknown): Parsed<ScaleDownInput> {
  const result = scaleDownSchema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((i) => i.message) };
}

/** The service is the instance name without its number. */
export function parseDrainInstanceInput(raw: unknown): Parsed<DrainInstanceInput> {
  const result = drainSchema.safeParse(raw);
  if (!result.success) return { ok: false, problems: result.error.issues.map((i) => i.message) };
  return { ok: true, value: { ...result.data, service: result.data.instance.replace(/-\d+$/, '') } };
}
