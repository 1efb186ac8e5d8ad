import { z } from 'zod';
import { seconds } from '../common/fields';
import { objectError, parseWith, serviceName, type Parsed } from '../common/input';
import { cooldown, instanceCount, SCALE_DEFAULTS } from './scale-input';

export { cooldown };

export const DRAIN_DEFAULTS = { drainTimeoutSeconds: 30, shutdownGraceSeconds: 35 } as const;

export const drainTimeout = seconds('drainTimeoutSeconds', { min: 0, max: 3_600 }, 30);

const scaleDownSchema = z.strictObject(
  {
    service: serviceName,
    count: instanceCount(' of instances to remove, such as 1'),
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

export const parseScaleDownInput = (raw: unknown): Parsed<ScaleDownInput> => parseWith(scaleDownSchema, raw);

/** The service is the instance name without its number. */
export function parseDrainInstanceInput(raw: unknown): Parsed<DrainInstanceInput> {
  const parsed = parseWith(drainSchema, raw);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { ...parsed.value, service: parsed.value.instance.replace(/-\d+$/, '') } };
}
