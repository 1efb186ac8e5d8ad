import { z } from 'zod';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';
import { DRAIN_DEFAULTS } from './scale-down-input';
import { SCALE_DEFAULTS, type Parsed } from './scale-input';

export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

const schema = z.strictObject(
  {
    service: z
      .string({ error: 'service must be a string such as "jarvis-app"' })
      .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)'),
    version: z
      .string({ error: 'version must be a string such as "v2"' })
      .regex(VERSION_PATTERN, 'version must be letters, digits, ".", "_" or "-" (at most 40), such as "v2"'),
    healthTimeoutSeconds: z
      .number({ error: 'healthTimeoutSeconds must be a number of seconds, such as 60' })
      .min(1, 'healthTimeoutSeconds must be at least 1')
      .max(3_600, 'healthTimeoutSeconds must be at most 3600')
      .default(SCALE_DEFAULTS.healthTimeoutSeconds),
    drainTimeoutSeconds: z
      .number({ error: 'drainTimeoutSeconds must be a number of seconds, such as 30' })
      .min(0, 'drainTimeoutSeconds must not be negative')
      .max(3_600, 'drainTimeoutSeconds must be at most 3600')
      .default(DRAIN_DEFAULTS.drainTimeoutSeconds),
    pauseAfter: z
      .number({ error: 'pauseAfter must be a number of instances, such as 1' })
      .int('pauseAfter must be a whole number')
      .min(1, 'pauseAfter must be at least 1')
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'input must be a JSON object such as {"service":"jarvis-app","version":"v2"}',
  },
);

export type RollingUpdateInput = z.output<typeof schema>;

export function parseRollingUpdateInput(raw: unknown): Parsed<RollingUpdateInput> {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((i) => i.message) };
}
