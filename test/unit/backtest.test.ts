// The policy backtest, pure: a recorded load shape replayed through the autoscale policy,
// its decisions, "what if" settings, the timeline's spec and SVG, and bad input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AUTOSCALE_DEFAULTS } from '../../policy/scaling/autoscale-config';
import { runBacktest, type LoadPoint } from '../../policy/scaling/backtest';
import { checkRange, parsePromDuration, parseRecording, parseTimeArgument } from '../../policy/scaling/backtest-input';
import { backtestChartSpec, renderBacktestSvg } from '../../cli/backtest-chart';

const fixture = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'backtest-ramp.json');

function ramp(): LoadPoint[] {
  const parsed = parseRecording(JSON.parse(readFileSync(fixture, 'utf8')));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
  return parsed.value.points;
}

const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const decisions = (r: ReturnType<typeof runBacktest>) =>
  r.steps
    .filter((s) => s.action === 'scaleUp' || s.action === 'scaleDown')
    .map((s) => `${hhmmss(s.atMs)} ${s.simulatedBefore}→${s.simulatedAfter} ${s.reason}${s.metric ? ` ${s.metric}` : ''}`);

describe('the policy backtest on a recorded ramp (3 instances ran throughout)', () => {
  const points = ramp();

  it('scales up at the first check where CPU per instance reaches 80 % of 70 %, then once per cooldown, and back down after the load', () => {
    const r = runBacktest(points, AUTOSCALE_DEFAULTS);
    const firstHot = points.find((p) => p.cpuPercentSum / 3 >= 56)!;
    assert.equal(r.steps.find((s) => s.action === 'scaleUp')?.atMs, firstHot.atMs, 'the first scale-up is at the first point at the bar');
    assert.deepEqual(decisions(r), [
      '09:29:00 3→4 ScaleUp cpu',
      '09:34:00 4→5 ScaleUp cpu',
      '09:39:00 5→6 ScaleUp cpu',
      '09:44:00 6→7 ScaleUp cpu',
      '09:49:00 7→6 ScaleDown',
      '09:54:00 6→5 ScaleDown',
      '09:59:00 5→4 ScaleDown',
    ]);
    const ops = r.steps.filter((s) => s.action === 'scaleUp' || s.action === 'scaleDown');
    ops.slice(1).forEach((s, i) => assert.ok(s.atMs - ops[i].atMs >= 300_000, 'no two operations inside one 300 s cooldown'));
    assert.deepEqual([r.summary.scaleUps, r.summary.scaleDowns, r.summary.peakSimulated, r.summary.peakActual], [4, 3, 7, 3]);
    assert.equal(r.summary.actualInstanceSeconds, 3 * 40 * 60);
  });

  it('answers "what if the threshold were 0.7": the first scale-up comes earlier, where CPU per instance reaches 49', () => {
    const r = runBacktest(points, { ...AUTOSCALE_DEFAULTS, scaleUpThreshold: 0.7 });
    const firstHot = points.find((p) => p.cpuPercentSum / 3 >= 49)!;
    const first = r.steps.find((s) => s.action === 'scaleUp')!;
    assert.equal(first.atMs, firstHot.atMs);
    assert.ok(first.atMs < runBacktest(points, AUTOSCALE_DEFAULTS).steps.find((s) => s.action === 'scaleUp')!.atMs);
  });

  it('with a 0.1 tolerance the first scale-up waits for 88 %, and a shorter cooldown reaches the plateau size sooner', () => {
    const tolerant = runBacktest(points, { ...AUTOSCALE_DEFAULTS, tolerance: 0.1 });
    assert.equal(tolerant.steps.find((s) => s.action === 'scaleUp')?.atMs, points.find((p) => p.cpuPercentSum / 3 >= 0.88 * 70)!.atMs);
    // The plateau needs 7 instances (360 % of CPU / 56); a 60 s cooldown gets there sooner than 300 s.
    const reachSeven = (cooldownSeconds: number) =>
      runBacktest(points, { ...AUTOSCALE_DEFAULTS, cooldownSeconds }).steps.find((s) => s.simulatedAfter === 7)!.atMs;
    assert.ok(reachSeven(60) < reachSeven(300), 'a shorter cooldown reaches the plateau size sooner');
  });

  it('draws both counts and every decision with its reason code, as SVG', async () => {
    const r = runBacktest(points, AUTOSCALE_DEFAULTS);
    const spec = JSON.stringify(backtestChartSpec(r, 'ramp'));
    assert.match(spec, /policy \(simulated\)/);
    assert.match(spec, /"actual"/);
    assert.equal((spec.match(/scaleUp: ScaleUp \(cpu\)/g) ?? []).length, 4);
    const svg = await renderBacktestSvg(r, 'ramp');
    assert.match(svg, /^<svg /);
    for (const label of ['policy (simulated)', 'actual', 'scaleUp: ScaleUp (cpu)', 'scaleDown: ScaleDown', 'decision (reason code)'])
      assert.ok(svg.includes(label), label);
  });
});

describe('backtest input', () => {
  it('refuses a malformed recording, naming the point and field', () => {
    const bad = (points: unknown) => {
      const p = parseRecording({ points });
      return p.ok ? '' : p.problems.join('; ');
    };
    assert.match(bad([{ at: 'x', actualInstances: 3, cpuPercentSum: 1, requestRateSum: 1, memoryPercentAvg: 1 }]), /at least 2 points/);
    const one = { at: '2026-12-02T10:00:00Z', actualInstances: 3, cpuPercentSum: 1, requestRateSum: 1, memoryPercentAvg: 1 };
    assert.match(bad([one, { ...one, at: 'yesterday' }]), /points\.1\.at: "yesterday" is not a time/);
    assert.match(bad([one, { ...one, cpuPercentSum: -1 }]), /points\.1\.cpuPercentSum: cpuPercentSum must not be negative/);
    assert.match(bad([one, one]), /points\.1\.at: a second point at the same time/);
    assert.match(bad([one, { ...one, at: '2026-12-02T10:01:00Z', extra: 1 }]), /points\.1/);
  });

  it('reads Prometheus durations and time arguments', () => {
    assert.deepEqual(['2d', '15d', '1h30m', '90s', '1y', 'x', '2 d'].map(parsePromDuration), [
      172_800,
      1_296_000,
      5_400,
      90,
      31_536_000,
      undefined,
      undefined,
    ]);
    const now = Date.parse('2026-12-02T12:00:00Z');
    assert.equal(parseTimeArgument('-2h', now), now - 7_200_000);
    assert.equal(parseTimeArgument('now', now), now);
    assert.equal(parseTimeArgument('2026-12-02T10:00:00Z', now), Date.parse('2026-12-02T10:00:00Z'));
    assert.equal(parseTimeArgument('1796205600', now), 1_796_205_600_000);
    assert.equal(parseTimeArgument('soon', now), undefined);
  });

  it('refuses a range that ends before it starts, or is longer than the retention, or starts before it', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    const h = 3_600_000;
    const check = (fromMs: number, toMs: number, stepSeconds = 30) =>
      checkRange({ fromMs, toMs, stepSeconds, nowMs: now, retentionSeconds: 2 * 86_400 });
    assert.deepEqual(check(now - 2 * h, now), []);
    assert.match(
      check(now - h, now - 2 * h).join(),
      /the range ends \(2026-12-02T10:00:00.000Z\) before it starts \(2026-12-02T11:00:00.000Z\)/,
    );
    assert.match(check(now - 72 * h, now).join(), /the range is 3d long, longer than Prometheus keeps data \(retention 2d\)/);
    assert.match(check(now - 60 * h, now - 50 * h).join(), /before the oldest data Prometheus keeps/);
    assert.match(check(now - 47 * h, now, 1).join(), /at most 11000: raise --step/);
  });
});
