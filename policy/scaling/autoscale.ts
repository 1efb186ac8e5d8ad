// The autoscale decision, as a pure function of the instances' metrics, the
// configuration, the clock and the recent recommendations. Every decision carries a
// reason code, the way Kubernetes' HPA reports DesiredWithinRange or ScaleUpLimit.
//
// Rules (see test/unit/autoscale.test.ts for a scenario per rule):
// - Scale up when any metric reaches scaleUpThreshold × its target (× (1 + tolerance)).
// - Scale down only when every metric is at or below scaleDownThreshold × its target
//   (× (1 − tolerance)). The comparisons live in thresholds.ts; tolerance defaults to 0.
// - desired = ceil(current × metric / (scaleUpThreshold × target)), like the HPA.
// - An instance that is not ready or has no fresh metrics counts at 0 % of target
//   toward a scale-up and at 100 % toward a scale-down, and such a recompute never
//   flips the direction the fresh metrics gave.
// - A scale-down takes the highest recommendation over the stabilisation window.
// - At most maxStep instances per metric-driven operation; below min or above max, one
//   operation goes straight to the bound.

import { placeInBounds } from './bounds';
import {
  allowsScaleDown,
  reachesScaleUp,
  scaleDownBar,
  scaleUpBar,
  withinDownTolerance,
  withinUpTolerance,
  type ThresholdRule,
} from './thresholds';

export type MetricName = 'cpu' | 'memory' | 'requestRate';

export interface AutoscaleConfig {
  minInstances: number;
  maxInstances: number;
  targetCPU: number;
  targetMemory: number;
  targetRequestRate: number;
  scaleUpThreshold: number;
  scaleDownThreshold: number;
  cooldownSeconds: number;
  checkIntervalSeconds: number;
  stabilizationWindowSeconds: number;
  tolerance: number;
  maxStep: number;
  metricMaxAgeSeconds: number;
}

export interface InstanceSample {
  id: string;
  status: string;
  cpuPercent: number;
  memoryPercent: number;
  requestRate: number;
  activeConnections?: number;
  /** Epoch milliseconds of the last heartbeat. */
  updatedAtMs: number;
}

export interface Recommendation {
  atMs: number;
  desired: number;
}

export type ReasonCode =
  | 'BelowMinimum'
  | 'AboveMaximum'
  | 'ScaleUp'
  | 'ScaleDown'
  | 'WithinTolerance'
  | 'BetweenThresholds'
  | 'ScaleDownStabilizing'
  | 'AtMaximum'
  | 'AtMinimum'
  | 'NoFreshMetrics'
  | 'DirectionFlippedByMissingMetrics';

export interface AutoscaleDecision {
  action: 'scaleUp' | 'scaleDown' | 'none';
  current: number;
  desired: number;
  reason: ReasonCode;
  /** The metric that drove the decision, when one did. */
  metric?: MetricName;
  /** Average use of each metric as a fraction of its target, over fresh ready instances. */
  utilization: Record<MetricName, number>;
  /** The utilisation a metric had to reach for a scale-up, and to be at or under for a scale-down. */
  bars: { scaleUp: number; scaleDown: number };
  freshInstances: number;
  /** Recommendations inside the stabilisation window, this one included; store them for the next check. */
  recommendations: Recommendation[];
}

export interface AutoscaleInput {
  config: AutoscaleConfig;
  /** Running instances, as the orchestrator counts them. */
  current: number;
  samples: InstanceSample[];
  nowMs: number;
  recentRecommendations: Recommendation[];
  /** 'seed' unless a workflow replays a run recorded before the exact thresholds (thresholds.ts). */
  thresholdRule?: ThresholdRule;
}

const METRICS: MetricName[] = ['cpu', 'memory', 'requestRate'];

function valueOf(sample: InstanceSample, metric: MetricName): number {
  return metric === 'cpu' ? sample.cpuPercent : metric === 'memory' ? sample.memoryPercent : sample.requestRate;
}

function targetOf(config: AutoscaleConfig, metric: MetricName): number {
  return metric === 'cpu' ? config.targetCPU : metric === 'memory' ? config.targetMemory : config.targetRequestRate;
}

export function isFresh(sample: InstanceSample, config: AutoscaleConfig, nowMs: number): boolean {
  return sample.status === 'ready' && nowMs - sample.updatedAtMs <= config.metricMaxAgeSeconds * 1000;
}

/** Sum of a metric over fresh instances, plus `missingAs` × target for each instance without fresh data. */
function averageRatio(config: AutoscaleConfig, fresh: InstanceSample[], current: number, metric: MetricName, missingAs: number): number {
  if (current === 0) return 0;
  const target = targetOf(config, metric);
  const missing = Math.max(0, current - fresh.length);
  const total = fresh.reduce((sum, s) => sum + valueOf(s, metric), 0) + missing * missingAs * target;
  return total / current / target;
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, n));
}

export function decideAutoscale(input: AutoscaleInput): AutoscaleDecision {
  const { config, current, nowMs } = input;
  const fresh = input.samples.filter((s) => isFresh(s, config, nowMs));
  const freshCount = Math.min(fresh.length, current);
  const utilization = Object.fromEntries(
    METRICS.map((m) => [m, fresh.length ? averageRatio(config, fresh, fresh.length, m, 0) : 0]),
  ) as Record<MetricName, number>;
  const windowStart = nowMs - config.stabilizationWindowSeconds * 1000;
  const kept = input.recentRecommendations.filter((r) => r.atMs > windowStart && r.atMs <= nowMs);
  const result = (action: AutoscaleDecision['action'], desired: number, reason: ReasonCode, metric?: MetricName): AutoscaleDecision => ({
    action,
    current,
    desired,
    reason,
    metric,
    utilization,
    bars: { scaleUp: scaleUpBar(config), scaleDown: scaleDownBar(config) },
    freshInstances: freshCount,
    recommendations: [...kept, { atMs: nowMs, desired }],
  });

  // The bounds are floors and ceilings, not metric decisions: reach them in one operation.
  // `current` counts running instances, as the bounds rule counts a target (bounds.ts).
  const position = placeInBounds(current, { min: config.minInstances, max: config.maxInstances });
  if (position === 'BelowMinimum') return result('scaleUp', config.minInstances, position);
  if (position === 'AboveMaximum') return result('scaleDown', config.maxInstances, position);
  if (fresh.length === 0) return result('none', current, 'NoFreshMetrics');

  const upThreshold = config.scaleUpThreshold;
  const rule = input.thresholdRule ?? 'seed';
  const hottest = METRICS.reduce((a, b) => (utilization[b] > utilization[a] ? b : a));
  if (reachesScaleUp(utilization[hottest], config, rule)) {
    // Recompute with missing instances at 0 %; it may weaken the signal, never reverse it.
    const conservative = averageRatio(config, fresh, current, hottest, 0);
    if (!reachesScaleUp(conservative, config, rule)) return result('none', current, 'DirectionFlippedByMissingMetrics', hottest);
    if (current >= config.maxInstances) return result('none', current, 'AtMaximum', hottest);
    // Kept as current × (u / threshold): the same float as before the exact-thresholds patch.
    const sized = Math.ceil(current * (conservative / upThreshold));
    const desired = clamp(sized, current + 1, Math.min(config.maxInstances, current + config.maxStep));
    return result('scaleUp', desired, 'ScaleUp', hottest);
  }

  const allLow = METRICS.every((m) => allowsScaleDown(utilization[m], config, rule));
  if (!allLow) {
    const within =
      withinUpTolerance(utilization[hottest], config, rule) || METRICS.every((m) => withinDownTolerance(utilization[m], config, rule));
    return result('none', current, within ? 'WithinTolerance' : 'BetweenThresholds', hottest);
  }
  // Recompute with missing instances at 100 %: they must not make a scale-down look safe.
  const conservative = METRICS.map((m) => averageRatio(config, fresh, current, m, 1));
  if (conservative.some((u) => !allowsScaleDown(u, config, rule))) return result('none', current, 'DirectionFlippedByMissingMetrics');
  if (current <= config.minInstances) return result('none', current, 'AtMinimum');
  const raw = Math.max(...conservative.map((u) => Math.ceil((current * u) / upThreshold)));
  const recommendation = clamp(raw, config.minInstances, current - 1);
  // Stabilisation: the highest recommendation over the window wins, so a brief dip does not scale down.
  const stabilized = Math.max(recommendation, ...kept.map((r) => r.desired));
  const decision =
    stabilized >= current
      ? result('none', current, 'ScaleDownStabilizing')
      : result('scaleDown', Math.max(stabilized, current - config.maxStep, config.minInstances), 'ScaleDown');
  // Store the unstabilised recommendation, as the HPA does.
  decision.recommendations = [...kept, { atMs: nowMs, desired: recommendation }];
  return decision;
}
