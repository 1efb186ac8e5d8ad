import { z } from 'zod';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';
import type { Parsed } from './scale-input';

const schema = z.strictObject(
  {
    service: z
      .string({ error: 'service must be a string such as "jarvis-app"' })
      .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)'),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'input must be a JSON object such as {"service":"jarvis-app"}',
  },
);

export type AutoscaleCheckInput = z.output<typeof schema>;

export function parseAutoscaleCheckInput(raw: unknown): Parsed<AutoscaleCheckInput> {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((i) => i.message) };
}
