import { z } from 'zod';
import { wholeNumber } from '../common/fields';
import { objectError, parseWith, serviceName, type Parsed } from '../common/input';
import { DRAIN_DEFAULTS, drainTimeout } from './scale-down-input';
import { cooldown, healthTimeoutField, SCALE_DEFAULTS } from './scale-input';

// scaleTo's input: a target number of running instances. The bounds are not checked here:
// they come from the worker's configuration and are checked under the mutex (bounds.ts).
const scaleToSchema = z.strictObject(
  {
    service: serviceName,
    to: wholeNumber('to', ' of instances, such as 5', { min: 0, max: 1_000, wholeMessage: 'to must be a whole number of instances' }),
    cooldownSeconds: cooldown.default(SCALE_DEFAULTS.cooldownSeconds),
    healthTimeoutSeconds: healthTimeoutField,
    drainTimeoutSeconds: drainTimeout.default(DRAIN_DEFAULTS.drainTimeoutSeconds),
  },
  objectError('{"service":"jarvis-app","to":5}'),
);

export type ScaleToInput = z.output<typeof scaleToSchema>;

export const parseScaleToInput = (raw: unknown): Parsed<ScaleToInput> => parseWith(scaleToSchema, raw);
