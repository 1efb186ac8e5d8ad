import { z } from 'zod';
import type { AutoscaleConfig } from './autoscale';
import type { Parsed } from '../common/input';

/**
 * The seed's defaults: 3–10 instances, 70 % CPU, 80 % memory, 1000 req/s per instance, 300 s cooldown, a 30 s check,
 * and no tolerance: scale up at 80 % of a target, down at 30 % (the HPA's 0.1 is SCALE_TOLERANCE=0.1).
 */
export const AUTOSCALE_DEFAULTS: AutoscaleConfig = {
  minInstances: 3,
  maxInstances: 10,
  targetCPU: 70,
  targetMemory: 80,
  targetRequestRate: 1000,
  scaleUpThreshold: 0.8,
  scaleDownThreshold: 0.3,
  cooldownSeconds: 300,
  checkIntervalSeconds: 30,
  stabilizationWindowSeconds: 300,
  tolerance: 0,
  maxStep: 1,
  metricMaxAgeSeconds: 30,
};

const fraction = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .gt(0, `${name} must be in (0, 1]`)
    .max(1, `${name} must be in (0, 1]`);
const positive = (name: string) => z.number({ error: `${name} must be a number` }).gt(0, `${name} must be above 0`);
const nonNegative = (name: string) => z.number({ error: `${name} must be a number` }).min(0, `${name} must not be negative`);
const count = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must not be negative`)
    .max(1000, `${name} must be at most 1000`);

const schema = z
  .strictObject({
    minInstances: count('minInstances'),
    maxInstances: count('maxInstances').min(1, 'maxInstances must be at least 1'),
    targetCPU: positive('targetCPU').max(100, 'targetCPU must be at most 100'),
    targetMemory: positive('targetMemory').max(100, 'targetMemory must be at most 100'),
    targetRequestRate: positive('targetRequestRate'),
    scaleUpThreshold: fraction('scaleUpThreshold'),
    scaleDownThreshold: fraction('scaleDownThreshold'),
    cooldownSeconds: nonNegative('cooldownSeconds'),
    checkIntervalSeconds: positive('checkIntervalSeconds'),
    stabilizationWindowSeconds: nonNegative('stabilizationWindowSeconds'),
    tolerance: nonNegative('tolerance').max(0.5, 'tolerance must be at most 0.5'),
    maxStep: count('maxStep').min(1, 'maxStep must be at least 1'),
    metricMaxAgeSeconds: positive('metricMaxAgeSeconds'),
  })
  .superRefine((c, ctx) => {
    if (c.maxInstances < c.minInstances)
      ctx.addIssue({ code: 'custom', message: `maxInstances (${c.maxInstances}) must not be below minInstances (${c.minInstances})` });
    if (c.scaleDownThreshold >= c.scaleUpThreshold) {
      ctx.addIssue({
        code: 'custom',
        message: `scaleDownThreshold (${c.scaleDownThreshold}) must be below scaleUpThreshold (${c.scaleUpThreshold})`,
      });
    }
  });

export function validateAutoscaleConfig(raw: Partial<Record<keyof AutoscaleConfig, unknown>>): Parsed<AutoscaleConfig> {
  const result = schema.safeParse({ ...AUTOSCALE_DEFAULTS, ...raw });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((i) => i.message) };
}
