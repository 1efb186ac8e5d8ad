import { z } from 'zod';
import { objectError, parseWith, serviceName, type Parsed } from '../common/input';

const schema = z.strictObject({ service: serviceName }, objectError('{"service":"jarvis-app"}'));

export type AutoscaleCheckInput = z.output<typeof schema>;

export const parseAutoscaleCheckInput = (raw: unknown): Parsed<AutoscaleCheckInput> => parseWith(schema, raw);
