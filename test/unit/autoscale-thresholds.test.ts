// The seed's thresholds, at, just under and just over each one, for each metric: scale up
// when any metric *reaches* 80 % of its target (CPU 56 of 70, memory 64 of 80, 800 of 1000
// req/s), scale down when every metric is *at or below* 30 % (21, 24, 300).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAutoscale, type AutoscaleConfig, type InstanceSample, type MetricName } from '../../policy/scaling/autoscale';
import { AUTOSCALE_DEFAULTS, validateAutoscaleConfig } from '../../policy/scaling/autoscale-config';
import type { ThresholdRule } from '../../policy/scaling/thresholds';

const NOW = 1_800_000_000_000;
const FIELD: Record<MetricName, 'cpuPercent' | 'memoryPercent' | 'requestRate'> = {
  cpu: 'cpuPercent',
  memory: 'memoryPercent',
  requestRate: 'requestRate',
};
const TARGET: Record<MetricName, number> = { cpu: 70, memory: 80, requestRate: 1000 };
/** A step well inside each metric's resolution: 0.01 % of CPU or memory, 0.01 req/s. */
const NUDGE = 0.01;

/** Three ready instances, every metric at `quiet` except `metric` at `value` on each. */
function decide(metric: MetricName, value: number, quiet: number, config: Partial<AutoscaleConfig> = {}, rule?: ThresholdRule) {
  const samples: InstanceSample[] = [1, 2, 3].map((i) => ({
    id: `jarvis-app-${i}`,
    status: 'ready',
    cpuPercent: quiet * TARGET.cpu,
    memoryPercent: quiet * TARGET.memory,
    requestRate: quiet * TARGET.requestRate,
    updatedAtMs: NOW - 1_000,
    [FIELD[metric]]: value,
  }));
  const d = decideAutoscale({
    config: { ...AUTOSCALE_DEFAULTS, maxInstances: 10, ...config },
    current: 3,
    samples,
    nowMs: NOW,
    recentRecommendations: [],
    thresholdRule: rule,
  });
  return { action: d.action, reason: d.reason };
}

/** Five instances at min 3, so a scale-down is possible. */
function decideDown(metric: MetricName, value: number, config: Partial<AutoscaleConfig> = {}, rule?: ThresholdRule) {
  const samples: InstanceSample[] = [1, 2, 3, 4, 5].map((i) => ({
    id: `jarvis-app-${i}`,
    status: 'ready',
    cpuPercent: 1,
    memoryPercent: 1,
    requestRate: 1,
    updatedAtMs: NOW - 1_000,
    [FIELD[metric]]: value,
  }));
  const d = decideAutoscale({
    config: { ...AUTOSCALE_DEFAULTS, ...config },
    current: 5,
    samples,
    nowMs: NOW,
    recentRecommendations: [],
    thresholdRule: rule,
  });
  return { action: d.action, reason: d.reason };
}

describe('the seed thresholds, per metric', () => {
  for (const metric of ['cpu', 'memory', 'requestRate'] as MetricName[]) {
    const up = 0.8 * TARGET[metric];
    const down = 0.3 * TARGET[metric];
    const table: Array<[string, () => { action: string; reason: string }, string, string]> = [
      [`${metric} just under 80 % of its target (${up - NUDGE})`, () => decide(metric, up - NUDGE, 0.5), 'none', 'BetweenThresholds'],
      [`${metric} at 80 % of its target (${up})`, () => decide(metric, up, 0.5), 'scaleUp', 'ScaleUp'],
      [`${metric} just over 80 % of its target (${up + NUDGE})`, () => decide(metric, up + NUDGE, 0.5), 'scaleUp', 'ScaleUp'],
      [`${metric} just under 30 % of its target (${down - NUDGE})`, () => decideDown(metric, down - NUDGE), 'scaleDown', 'ScaleDown'],
      [`${metric} at 30 % of its target (${down})`, () => decideDown(metric, down), 'scaleDown', 'ScaleDown'],
      [`${metric} just over 30 % of its target (${down + NUDGE})`, () => decideDown(metric, down + NUDGE), 'none', 'BetweenThresholds'],
    ];
    for (const [name, run, action, reason] of table) {
      it(`${name} → ${action} (${reason})`, () => assert.deepEqual(run(), { action, reason }));
    }
  }

  it('60 % CPU against a 70 % target scales up (the old 0.88 bar did not)', () => {
    assert.deepEqual(decide('cpu', 60, 0.1), { action: 'scaleUp', reason: 'ScaleUp' });
  });
});

describe('SCALE_TOLERANCE', () => {
  const config = { tolerance: 0.1 };
  it('holds a metric that reached 80 % but not 88 % (WithinTolerance), and scales up at 88 %', () => {
    assert.deepEqual(decide('cpu', 60, 0.1, config), { action: 'none', reason: 'WithinTolerance' });
    assert.deepEqual(decide('cpu', 0.88 * 70 - NUDGE, 0.1, config), { action: 'none', reason: 'WithinTolerance' });
    assert.deepEqual(decide('cpu', 0.88 * 70, 0.1, config), { action: 'scaleUp', reason: 'ScaleUp' });
  });
  it('holds a scale-down between 27 % and 30 % (WithinTolerance), and scales down at 27 %', () => {
    assert.deepEqual(decideDown('memory', 0.29 * 80, config), { action: 'none', reason: 'WithinTolerance' });
    assert.deepEqual(decideDown('memory', 0.27 * 80, config), { action: 'scaleDown', reason: 'ScaleDown' });
  });
  it('is refused above 0.5 and below 0, naming the field', () => {
    for (const tolerance of [-0.1, 0.6]) {
      const parsed = validateAutoscaleConfig({ tolerance });
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), /^tolerance must/);
    }
  });
});

describe('the legacy-strict rule (autoscaleCheck runs recorded before the exact-thresholds patch)', () => {
  it('keeps the old comparisons: strictly above up × (1 + tolerance), strictly below down, no tolerance down', () => {
    const old = { tolerance: 0.1 };
    assert.deepEqual(decide('cpu', 0.88 * 70, 0.1, old, 'legacy-strict'), { action: 'none', reason: 'WithinTolerance' });
    assert.deepEqual(decide('cpu', 0.88 * 70 + NUDGE, 0.1, old, 'legacy-strict'), { action: 'scaleUp', reason: 'ScaleUp' });
    assert.deepEqual(decideDown('cpu', 21, old, 'legacy-strict'), { action: 'none', reason: 'BetweenThresholds' });
    assert.deepEqual(decideDown('cpu', 0.29 * 70, old, 'legacy-strict'), { action: 'scaleDown', reason: 'ScaleDown' });
  });
});
