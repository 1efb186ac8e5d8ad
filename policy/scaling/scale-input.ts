import { z } from 'zod';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';

/** Defaults follow the seed: one instance per operation and a 300 s cooldown. */
export const SCALE_DEFAULTS = {
  count: 1,
  cooldownSeconds: 300,
  healthTimeoutSeconds: 60,
} as const;

export const serviceName = z
  .string({ error: 'service must be a string such as "jarvis-app"' })
  .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)');

export const healthTimeoutField = z
  .number({ error: 'healthTimeoutSeconds must be a number of seconds, such as 60' })
  .min(1, 'healthTimeoutSeconds must be at least 1')
  .max(3_600, 'healthTimeoutSeconds must be at most 3600')
  .default(SCALE_DEFAULTS.healthTimeoutSeconds);

const scaleUpSchema = z.strictObject(
  {
    service: serviceName,
    count: z
      .number({ error: 'count must be a number of instances to add, such as 1' })
      .int('count must be a whole number')
      .min(1, 'count must be at least 1')
      .max(20, 'count must be at most 20 per operation')
      .default(SCALE_DEFAULTS.count),
    cooldownSeconds: z
      .number({ error: 'cooldownSeconds must be a number of seconds, such as 300' })
      .min(0, 'cooldownSeconds must not be negative')
      .max(86_400, 'cooldownSeconds must be at most 86400 (one day)')
      .default(SCALE_DEFAULTS.cooldownSeconds),
    healthTimeoutSeconds: healthTimeoutField,
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'input must be a JSON object such as {"service":"jarvis-app"}',
  },
);

export type ScaleUpInput = z.output<typeof scaleUpSchema>;
export type ScaleUpRequest = z.input<typeof scaleUpSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function parseScaleUpInput(raw: unknown): Parsed<ScaleUpInput> {
  const result = scaleUpSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => issue.message) };
}
