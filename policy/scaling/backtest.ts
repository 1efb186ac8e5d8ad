// Policy backtest: replays recorded load through the same pure autoscale policy the
// autoscaleCheck workflow runs (decideAutoscale), and says what it would have done at each
// check: the instance count over time against the count that actually ran, and each
// decision's reason code. Settings can differ from the ones that ran ("what if the
// threshold were 0.7"): that is the point.
//
// The load model, stated so a reader can judge the figures:
// - CPU and request rate are load the service had to carry: their sums over the instances
//   that ran spread evenly over the simulated instances (the load balancer's job).
// - Memory % is per instance (mostly each process's own heap), so every simulated instance
//   reports the recorded average, whatever their number.
// - A scale operation takes effect at the next check; the cooldown then holds the service's
//   mutex for cooldownSeconds, as the real scaleUp and scaleDown do, so no check acts inside it.
import { decideAutoscale, type AutoscaleConfig, type AutoscaleDecision, type InstanceSample, type Recommendation } from './autoscale';

export interface LoadPoint {
  atMs: number;
  /** The instances that actually ran then (the comparison line). */
  actualInstances: number;
  /** Sums over the instances that ran: CPU % (of one core each) and requests per second. */
  cpuPercentSum: number;
  requestRateSum: number;
  /** The instances' average memory %, of each one's own limit. */
  memoryPercentAvg: number;
}

export interface BacktestStep {
  atMs: number;
  actualInstances: number;
  /** Instances the policy had when it checked, and after its decision took effect. */
  simulatedBefore: number;
  simulatedAfter: number;
  action: AutoscaleDecision['action'] | 'cooldown';
  reason: AutoscaleDecision['reason'] | 'InCooldown';
  metric?: AutoscaleDecision['metric'];
  utilization: AutoscaleDecision['utilization'] | null;
}

export interface BacktestSummary {
  checks: number;
  scaleUps: number;
  scaleDowns: number;
  /** Instance-seconds over the recording, simulated and actual (area under each line). */
  simulatedInstanceSeconds: number;
  actualInstanceSeconds: number;
  peakSimulated: number;
  peakActual: number;
  /** Checks at which a metric was at or past the scale-up bar with the simulated count. */
  checksOverScaleUpBar: number;
  reasons: Record<string, number>;
}

export interface BacktestResult {
  config: AutoscaleConfig;
  steps: BacktestStep[];
  summary: BacktestSummary;
}

/** The simulated instances' samples at one point: CPU and requests spread evenly, memory as recorded. */
export function samplesAt(point: LoadPoint, instances: number): InstanceSample[] {
  return Array.from({ length: instances }, (_, i) => ({
    id: `simulated-${i + 1}`,
    status: 'ready',
    cpuPercent: point.cpuPercentSum / instances,
    memoryPercent: point.memoryPercentAvg,
    requestRate: point.requestRateSum / instances,
    updatedAtMs: point.atMs,
  }));
}

function summarize(steps: BacktestStep[], config: AutoscaleConfig): BacktestSummary {
  const reasons: Record<string, number> = {};
  let simulatedInstanceSeconds = 0;
  let actualInstanceSeconds = 0;
  steps.forEach((s, i) => {
    reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
    const next = steps[i + 1];
    if (!next) return;
    const seconds = (next.atMs - s.atMs) / 1000;
    simulatedInstanceSeconds += s.simulatedAfter * seconds;
    actualInstanceSeconds += s.actualInstances * seconds;
  });
  const bar = config.scaleUpThreshold * (1 + config.tolerance);
  return {
    checks: steps.length,
    scaleUps: steps.filter((s) => s.action === 'scaleUp').length,
    scaleDowns: steps.filter((s) => s.action === 'scaleDown').length,
    simulatedInstanceSeconds: Math.round(simulatedInstanceSeconds),
    actualInstanceSeconds: Math.round(actualInstanceSeconds),
    peakSimulated: Math.max(0, ...steps.map((s) => s.simulatedAfter)),
    peakActual: Math.max(0, ...steps.map((s) => s.actualInstances)),
    checksOverScaleUpBar: steps.filter((s) => s.utilization && Math.max(...Object.values(s.utilization)) >= bar).length,
    reasons,
  };
}

/**
 * Runs the policy once per load point, in time order. `startInstances` defaults to the
 * first point's actual count, clamped to the configured bounds' reach (the policy itself
 * moves a count outside them back in one step, as it would live).
 */
export function runBacktest(points: LoadPoint[], config: AutoscaleConfig, startInstances?: number): BacktestResult {
  const ordered = [...points].sort((a, b) => a.atMs - b.atMs);
  let current = startInstances ?? ordered[0]?.actualInstances ?? config.minInstances;
  let recommendations: Recommendation[] = [];
  let heldUntilMs = -Infinity;
  const steps: BacktestStep[] = [];
  for (const point of ordered) {
    const base = { atMs: point.atMs, actualInstances: point.actualInstances, simulatedBefore: current };
    if (point.atMs < heldUntilMs) {
      steps.push({ ...base, simulatedAfter: current, action: 'cooldown', reason: 'InCooldown', utilization: null });
      continue;
    }
    const decision = decideAutoscale({
      config,
      current,
      samples: samplesAt(point, current),
      nowMs: point.atMs,
      recentRecommendations: recommendations,
    });
    recommendations = decision.recommendations;
    if (decision.action !== 'none') {
      current = decision.desired;
      heldUntilMs = point.atMs + config.cooldownSeconds * 1000;
    }
    steps.push({
      ...base,
      simulatedAfter: current,
      action: decision.action,
      reason: decision.reason,
      metric: decision.metric,
      utilization: decision.utilization,
    });
  }
  return { config, steps, summary: summarize(steps, config) };
}
