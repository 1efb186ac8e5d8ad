import { z } from 'zod';
import { wholeNumber } from '../common/fields';
import { objectError, parseWith, serviceName, type Parsed } from '../common/input';
import { DRAIN_DEFAULTS, drainTimeout } from './scale-down-input';
import { healthTimeoutField } from './scale-input';

export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

const schema = z.strictObject(
  {
    service: serviceName,
    version: z
      .string({ error: 'version must be a string such as "v2"' })
      .regex(VERSION_PATTERN, 'version must be letters, digits, ".", "_" or "-" (at most 40), such as "v2"'),
    healthTimeoutSeconds: healthTimeoutField,
    drainTimeoutSeconds: drainTimeout.default(DRAIN_DEFAULTS.drainTimeoutSeconds),
    pauseAfter: wholeNumber('pauseAfter', ' of instances, such as 1', { min: 1 }).optional(),
  },
  objectError('{"service":"jarvis-app","version":"v2"}'),
);

export type RollingUpdateInput = z.output<typeof schema>;

export const parseRollingUpdateInput = (raw: unknown): Parsed<RollingUpdateInput> => parseWith(schema, raw);
