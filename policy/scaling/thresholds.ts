// The seed's thresholds, as it states them: scale up when a metric *reaches* scaleUpThreshold
// of its target, scale down when every metric is *at or below* scaleDownThreshold of its
// target. A tolerance (SCALE_TOLERANCE, default 0) widens the dead band on both sides:
// up needs threshold × (1 + tolerance), down needs threshold × (1 − tolerance).
//
// 'legacy-strict' is the rule before this one (strictly above up × (1 + tolerance), strictly
// below down, no tolerance on the way down); only autoscaleCheck runs recorded before the
// patch 'autoscale-exact-thresholds' use it, so that their histories still replay.

export type ThresholdRule = 'seed' | 'legacy-strict';

// Averages of decimal percentages land a few ulps off the exact figure (e.g. (56+56+56)/3/70):
// "at the threshold" must not depend on rounding.
const EPSILON = 1e-9;

/** The part of AutoscaleConfig the comparisons read (declared here: autoscale.ts imports this file). */
interface Thresholds {
  scaleUpThreshold: number;
  scaleDownThreshold: number;
  tolerance: number;
}

/** Utilisation (a fraction of the target) at or past which a metric asks for a scale-up. */
export function scaleUpBar(config: Thresholds): number {
  return config.scaleUpThreshold * (1 + config.tolerance);
}

/** Utilisation at or under which a metric allows a scale-down. */
export function scaleDownBar(config: Thresholds): number {
  return config.scaleDownThreshold * (1 - config.tolerance);
}

export function reachesScaleUp(utilization: number, config: Thresholds, rule: ThresholdRule): boolean {
  if (rule === 'legacy-strict') return utilization / config.scaleUpThreshold > 1 + config.tolerance;
  return utilization >= scaleUpBar(config) - EPSILON;
}

/** A metric that reached the threshold itself but not the tolerance band past it. */
export function withinUpTolerance(utilization: number, config: Thresholds, rule: ThresholdRule): boolean {
  if (rule === 'legacy-strict') return utilization / config.scaleUpThreshold >= 1 - config.tolerance;
  return utilization >= config.scaleUpThreshold - EPSILON;
}

export function allowsScaleDown(utilization: number, config: Thresholds, rule: ThresholdRule): boolean {
  if (rule === 'legacy-strict') return utilization < config.scaleDownThreshold;
  return utilization <= scaleDownBar(config) + EPSILON;
}

/** At or below the threshold itself, but not below the tolerance band under it. */
export function withinDownTolerance(utilization: number, config: Thresholds, rule: ThresholdRule): boolean {
  return rule === 'seed' && utilization <= config.scaleDownThreshold + EPSILON;
}
