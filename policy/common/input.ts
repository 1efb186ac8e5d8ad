// What every operation's input schema shares: the result type, the service field, the message for a
// wrong object, and the parse that turns zod issues into the problems the caller shows.
import { z } from 'zod';
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export const serviceName = z
  .string({ error: 'service must be a string such as "jarvis-app"' })
  .regex(SERVICE_NAME_PATTERN, 'service must be lowercase letters, digits and dashes, starting with a letter (at most 40 characters)');

/** The object-level error: unknown fields by name, anything else with an example of a valid input. */
export const objectError = (example: string) => ({
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `unknown field(s): ${(issue.keys ?? []).join(', ')}`
      : `input must be a JSON object such as ${example}`,
});

/** Parses `raw`; a rejection lists every problem's message. */
export function parseWith<T>(schema: z.ZodType<T, unknown>, raw: unknown): Parsed<T> {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((issue) => issue.message) };
}
