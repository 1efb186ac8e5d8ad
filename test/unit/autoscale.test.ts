import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAutoscale, type AutoscaleConfig, type InstanceSample, type Recommendation } from '../../policy/scaling/autoscale';
import { AUTOSCALE_DEFAULTS, validateAutoscaleConfig } from '../../policy/scaling/autoscale-config';

const NOW = 1_800_000_000_000;

function sample(id: number, cpu: number, extra: Partial<InstanceSample> = {}): InstanceSample {
  return {
    id: `jarvis-app-${id}`,
    status: 'ready',
    cpuPercent: cpu,
    memoryPercent: 20,
    requestRate: 100,
    updatedAtMs: NOW - 1_000,
    ...extra,
  };
}

interface Scenario {
  name: string;
  current: number;
  samples: InstanceSample[];
  config?: Partial<AutoscaleConfig>;
  history?: Recommendation[];
  expect: { action: 'scaleUp' | 'scaleDown' | 'none'; desired: number; reason: string; metric?: string };
  /** What a wrong rule would have produced, so a reader sees why the case exists. */
  why: string;
}

const scenarios: Scenario[] = [
  {
    name: 'CPU above 80 % of its 70 % target scales up by one',
    current: 3,
    samples: [sample(1, 90), sample(2, 90), sample(3, 90)],
    expect: { action: 'scaleUp', desired: 4, reason: 'ScaleUp', metric: 'cpu' },
    why: 'HPA sizing alone gives ceil(3 × 90/56) = 5; gradual scaling caps the step at 1',
  },
  {
    name: 'a larger step follows the HPA formula when the step limit allows it',
    current: 3,
    samples: [sample(1, 90), sample(2, 90), sample(3, 90)],
    config: { maxStep: 5 },
    expect: { action: 'scaleUp', desired: 5, reason: 'ScaleUp', metric: 'cpu' },
    why: 'ceil(3 × 90 / (0.8 × 70)) = ceil(4.82) = 5',
  },
  {
    name: 'request rate alone can trigger a scale-up',
    current: 3,
    samples: [1, 2, 3].map((i) => sample(i, 10, { requestRate: 1200 })),
    expect: { action: 'scaleUp', desired: 4, reason: 'ScaleUp', metric: 'requestRate' },
    why: 'any metric above threshold × target is enough; an "all metrics" rule would not scale',
  },
  {
    name: 'memory alone can trigger a scale-up',
    current: 3,
    samples: [1, 2, 3].map((i) => sample(i, 10, { memoryPercent: 95 })),
    expect: { action: 'scaleUp', desired: 4, reason: 'ScaleUp', metric: 'memory' },
    why: '95 % memory is above 0.8 × 80 %',
  },
  {
    name: 'a metric just past the threshold stays within a 0.1 tolerance (SCALE_TOLERANCE=0.1)',
    current: 3,
    samples: [1, 2, 3].map((i) => sample(i, 60)),
    config: { tolerance: 0.1 },
    expect: { action: 'none', desired: 3, reason: 'WithinTolerance', metric: 'cpu' },
    why: '60 / 56 = 1.07 is within 1 ± 0.1; without a tolerance (the default) it scales up',
  },
  {
    name: 'the step never goes past maxInstances',
    current: 10,
    samples: Array.from({ length: 10 }, (_, i) => sample(i + 1, 99)),
    expect: { action: 'none', desired: 10, reason: 'AtMaximum', metric: 'cpu' },
    why: 'an unclamped rule would ask for 18',
  },
  {
    name: 'fewer instances than the minimum scale up with no load at all',
    current: 1,
    samples: [sample(1, 0)],
    expect: { action: 'scaleUp', desired: 3, reason: 'BelowMinimum' },
    why: 'the minimum holds whatever the metrics say, reached in one operation; a step limit would leave it at 2 for a cooldown',
  },
  {
    name: 'more instances than the maximum scale down',
    current: 12,
    samples: [],
    expect: { action: 'scaleDown', desired: 10, reason: 'AboveMaximum' },
    why: 'the maximum holds whatever the metrics say, reached in one operation',
  },
  {
    name: 'every metric low scales down by one',
    current: 5,
    samples: [1, 2, 3, 4, 5].map((i) => sample(i, 5, { memoryPercent: 5, requestRate: 10 })),
    expect: { action: 'scaleDown', desired: 4, reason: 'ScaleDown' },
    why: 'the HPA formula gives ceil(5 × 0.09 / 0.8) = 1, clamped to min 3, then one step at a time',
  },
  {
    name: 'one metric above the scale-down threshold blocks a scale-down',
    current: 5,
    samples: [1, 2, 3, 4, 5].map((i) => sample(i, 5, { memoryPercent: 40, requestRate: 10 })),
    expect: { action: 'none', desired: 5, reason: 'BetweenThresholds', metric: 'memory' },
    why: 'scale-down needs every metric low; 40/80 = 0.5 is not below 0.3',
  },
  {
    name: 'the minimum stops a scale-down',
    current: 3,
    samples: [1, 2, 3].map((i) => sample(i, 1, { memoryPercent: 1, requestRate: 1 })),
    expect: { action: 'none', desired: 3, reason: 'AtMinimum' },
    why: 'never below minInstances',
  },
  {
    name: 'instances without fresh metrics block a scale-down',
    current: 4,
    samples: [1, 2].map((i) => sample(i, 1, { memoryPercent: 1, requestRate: 1 })),
    expect: { action: 'none', desired: 4, reason: 'DirectionFlippedByMissingMetrics' },
    why: 'the two silent instances count at 100 % of target: (2 × 1 + 2 × 70) / 4 / 70 = 0.51 CPU; on fresh data alone it would scale down',
  },
  {
    name: 'a stale heartbeat counts as missing, at 0 % toward a scale-up',
    current: 3,
    samples: [sample(1, 70), sample(2, 70), sample(3, 70, { updatedAtMs: NOW - 120_000 })],
    expect: { action: 'none', desired: 3, reason: 'DirectionFlippedByMissingMetrics', metric: 'cpu' },
    why: 'fresh instances alone say 70/56 = 1.25; with the stale one at 0 % it is 0.83, so no scale-up',
  },
  {
    name: 'an instance that is still starting does not count as fresh',
    current: 3,
    samples: [sample(1, 0, { status: 'starting' })],
    expect: { action: 'none', desired: 3, reason: 'NoFreshMetrics' },
    why: 'a booting instance reports 0 % and must not trigger a scale-down',
  },
  {
    name: 'a recent higher recommendation holds a scale-down back (stabilisation)',
    current: 4,
    samples: [1, 2, 3, 4].map((i) => sample(i, 1, { memoryPercent: 1, requestRate: 1 })),
    history: [{ atMs: NOW - 60_000, desired: 4 }],
    expect: { action: 'none', desired: 4, reason: 'ScaleDownStabilizing' },
    why: 'the highest recommendation in the last 300 s is 4; without the window it would drop to 3',
  },
  {
    name: 'a recommendation older than the window no longer holds a scale-down back',
    current: 4,
    samples: [1, 2, 3, 4].map((i) => sample(i, 1, { memoryPercent: 1, requestRate: 1 })),
    history: [{ atMs: NOW - 301_000, desired: 4 }],
    expect: { action: 'scaleDown', desired: 3, reason: 'ScaleDown' },
    why: 'the 4 fell out of the window',
  },
];

describe('the autoscale policy', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const config = { ...AUTOSCALE_DEFAULTS, ...s.config };
      const decision = decideAutoscale({
        config,
        current: s.current,
        samples: s.samples,
        nowMs: NOW,
        recentRecommendations: s.history ?? [],
      });
      assert.deepEqual(
        { action: decision.action, desired: decision.desired, reason: decision.reason, metric: decision.metric },
        { metric: undefined, ...s.expect },
        s.why,
      );
      assert.ok(
        decision.desired >= Math.min(s.current, config.minInstances) && decision.desired <= Math.max(s.current, config.maxInstances),
      );
    });
  }

  it('keeps only the recommendations inside the window, plus its own', () => {
    const config = AUTOSCALE_DEFAULTS;
    const decision = decideAutoscale({
      config,
      current: 3,
      samples: [1, 2, 3].map((i) => sample(i, 40)),
      nowMs: NOW,
      recentRecommendations: [
        { atMs: NOW - 400_000, desired: 7 },
        { atMs: NOW - 10_000, desired: 4 },
      ],
    });
    assert.deepEqual(decision.recommendations, [
      { atMs: NOW - 10_000, desired: 4 },
      { atMs: NOW, desired: 3 },
    ]);
  });
});

describe('autoscale configuration', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['max below min', { minInstances: 5, maxInstances: 4 }, /maxInstances \(4\) must not be below minInstances \(5\)/],
    ['a zero threshold', { scaleUpThreshold: 0 }, /scaleUpThreshold must be in \(0, 1\]/],
    ['a threshold above 1', { scaleDownThreshold: 1.5 }, /scaleDownThreshold must be in \(0, 1\]/],
    ['a negative cooldown', { cooldownSeconds: -1 }, /cooldownSeconds must not be negative/],
    [
      'a down threshold above the up threshold',
      { scaleDownThreshold: 0.9, scaleUpThreshold: 0.8 },
      /scaleDownThreshold \(0.9\) must be below scaleUpThreshold/,
    ],
    ['a fractional step', { maxStep: 1.5 }, /maxStep must be a whole number/],
    ['a non-numeric target', { targetCPU: 'high' }, /targetCPU must be a number/],
  ];
  for (const [name, raw, message] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      const parsed = validateAutoscaleConfig(raw as never);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), message);
    });
  }

  it('accepts the seed defaults', () => {
    assert.deepEqual(validateAutoscaleConfig({}), { ok: true, value: AUTOSCALE_DEFAULTS });
  });
});
