import { z } from 'zod';
import { seconds, wholeNumber } from '../common/fields';
import { objectError, parseWith, serviceName, type Parsed } from '../common/input';

export { serviceName, type Parsed };

/** Defaults follow the seed: one instance per operation and a 300 s cooldown. */
export const SCALE_DEFAULTS = {
  count: 1,
  cooldownSeconds: 300,
  healthTimeoutSeconds: 60,
} as const;

export const healthTimeoutField = seconds('healthTimeoutSeconds', { min: 1, max: 3_600 }, 60).default(SCALE_DEFAULTS.healthTimeoutSeconds);
export const cooldown = seconds('cooldownSeconds', { min: 0, max: 86_400, maxNote: ' (one day)' }, 300);

/** How many instances one operation adds or removes; `unit` says which. */
export const instanceCount = (unit: string) =>
  wholeNumber('count', unit, { min: 1, max: 20, maxNote: ' per operation' }).default(SCALE_DEFAULTS.count);

const scaleUpSchema = z.strictObject(
  {
    service: serviceName,
    count: instanceCount(' of instances to add, such as 1'),
    cooldownSeconds: cooldown.default(SCALE_DEFAULTS.cooldownSeconds),
    healthTimeoutSeconds: healthTimeoutField,
  },
  objectError('{"service":"jarvis-app"}'),
);

export type ScaleUpInput = z.output<typeof scaleUpSchema>;
export type ScaleUpRequest = z.input<typeof scaleUpSchema>;

export const parseScaleUpInput = (raw: unknown): Parsed<ScaleUpInput> => parseWith(scaleUpSchema, raw);
