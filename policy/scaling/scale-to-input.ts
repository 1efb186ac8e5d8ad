import { z } from 'zod';
import { cooldown, DRAIN_DEFAULTS, drainTimeout } from './scale-down-input';
import { healthTimeoutField, SCALE_DEFAULTS, serviceName, type Parsed } from './scale-input';

// scaleTo's input: a target number of running instances. The bounds are not checked here:
// they come from the worker's configuration and are checked under the mutex (bounds.ts).
const scaleToSchema = z.strictObject(
  {
    service: serviceName,
    to: z
      .number({ error: 'to must be a number of instances, such as 5' })
      .int('to must be a whole number of instances')
      .min(0, 'to must not be negative')
      .max(1_000, 'to must be at most 1000'),
    cooldownSeconds: cooldown.default(SCALE_DEFAULTS.cooldownSeconds),
    healthTimeoutSeconds: healthTimeoutField,
    drainTimeoutSeconds: drainTimeout.default(DRAIN_DEFAULTS.drainTimeoutSeconds),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'input must be a JSON object such as {"service":"jarvis-app","to":5}',
  },
);

export type ScaleToInput = z.output<typeof scaleToSchema>;

export function parseScaleToInput(raw: unknown): Parsed<ScaleToInput> {
  const result = scaleToSchema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((i) => i.message) };
}
