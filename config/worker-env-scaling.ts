// The bounds and the autoscaler: the seed's variables, checked again as a whole by
// policy/scaling/autoscale-config.ts.
import { AUTOSCALE_DEFAULTS } from '../policy/scaling/autoscale-config';
import { doc, flag, int, num } from './env-kit';

const d = AUTOSCALE_DEFAULTS;

export const scalingEnv = {
  MIN_INSTANCES: doc(int(0, 100).default(d.minInstances), "lower bound of every service's instance count"),
  MAX_INSTANCES: doc(int(1, 100).default(d.maxInstances), 'upper bound (a rolling update may reach max + 1)'),
  AUTOSCALE_ENABLED: doc(flag().default('true'), '`false` creates the autoscale Schedules paused'),
  SCALE_UP_THRESHOLD: doc(num().default(d.scaleUpThreshold), 'scale up when any metric reaches this fraction of its target'),
  SCALE_DOWN_THRESHOLD: doc(
    num().default(d.scaleDownThreshold),
    'scale down only when every metric is at or below this fraction of its target',
  ),
  SCALE_TOLERANCE: doc(
    num().default(d.tolerance),
    'dead band around the thresholds: up needs threshold × (1 + this), down threshold × (1 − this); 0 to 0.5 (the HPA uses 0.1)',
  ),
  COOLDOWN_PERIOD: doc(num().default(d.cooldownSeconds), "seconds an autoscale-started operation holds the service's mutex afterwards"),
  CHECK_INTERVAL: doc(
    num().default(d.checkIntervalSeconds),
    'seconds between two runs of `autoscaleCheck` (the Schedule `autoscale/<service>`)',
  ),
  TARGET_CPU: doc(num().default(d.targetCPU), 'per-instance CPU target, percent'),
  TARGET_MEMORY: doc(num().default(d.targetMemory), 'per-instance memory target, percent'),
  TARGET_REQUEST_RATE: doc(num().default(d.targetRequestRate), 'per-instance request rate target, requests per second'),
  STABILIZATION_WINDOW: doc(
    num().default(d.stabilizationWindowSeconds),
    'a scale-down takes the highest recommendation of this many seconds',
  ),
  SCALE_STEP: doc(num().default(d.maxStep), 'most instances one autoscale operation adds or removes'),
  METRIC_MAX_AGE: doc(num().default(d.metricMaxAgeSeconds), 'seconds after which an instance sample no longer counts'),
  DRAIN_TIMEOUT: doc(num().default(30), "seconds a scale-down waits for an instance's connections"),
};
