import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateScalingStats, outcomeOf, type OperationRecord, type ScalingStats } from '../../policy/scaling/scaling-stats';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const s = (seconds: number) => T0 + seconds * 1000;
const rec = (type: string, status: OperationRecord['status'], start: number, close?: number): OperationRecord => ({
  workflowId: `scale/jarvis-app#${type}-${start}`,
  type,
  service: 'jarvis-app',
  status,
  startMs: s(start),
  closeMs: close === undefined ? undefined : s(close),
});

// Each row: the records, "now" in seconds, and the figures a correct aggregation gives.
const cases: Array<{ name: string; records: OperationRecord[]; now: number; expect: Partial<ScalingStats> }> = [
  {
    name: 'no operation yet: zero counts, no average, full uptime',
    records: [],
    now: 100,
    expect: {
      totalScaleUps: 0,
      totalScaleDowns: 0,
      failedScaleOps: 0,
      averageScaleDuration: null,
      lastScaleEvent: null,
      uptimePercent: 100,
    },
  },
  {
    name: 'two successful scale-ups and one scale-down average their durations',
    records: [rec('scaleUp', 'COMPLETED', 0, 10), rec('scaleUp', 'COMPLETED', 20, 40), rec('scaleDown', 'COMPLETED', 50, 80)],
    now: 100,
    // (10 + 20 + 30) / 3 = 20; a wrong rule averaging over all records would still give 20, so the next row adds a failure.
    expect: { totalScaleUps: 2, totalScaleDowns: 1, failedScaleOps: 0, averageScaleDuration: 20, uptimePercent: 100 },
  },
  {
    name: 'a failure counts in failedScaleOps but not in the average, and is down until the next success closes',
    records: [rec('scaleUp', 'COMPLETED', 0, 10), rec('scaleUp', 'FAILED', 10, 20), rec('scaleDown', 'COMPLETED', 30, 70)],
    now: 100,
    // down from 20 to 70 = 50 s of a 100 s window
    expect: { totalScaleUps: 2, totalScaleDowns: 1, failedScaleOps: 1, averageScaleDuration: 25, uptimePercent: 50 },
  },
  {
    name: 'a failure not yet followed by a success is down until now; timeouts and terminations are failures',
    records: [rec('scaleUp', 'COMPLETED', 0, 10), rec('rollingUpdate', 'TIMED_OUT', 10, 60), rec('drainInstance', 'TERMINATED', 60, 75)],
    now: 100,
    // down from the first failure's close (60) until now (100): 40 s of 100
    expect: { failedScaleOps: 2, averageScaleDuration: 10, uptimePercent: 60 },
  },
  {
    name: 'cancelled operations are neither failures nor successes; running ones are the last event',
    records: [rec('scaleUp', 'CANCELLED', 0, 30), rec('scaleDown', 'RUNNING', 40)],
    now: 100,
    expect: { totalScaleUps: 1, totalScaleDowns: 1, failedScaleOps: 0, averageScaleDuration: null, uptimePercent: 100 },
  },
  {
    name: 'records of other workflow types (autoscale checks, PostgreSQL, Redis) are left out',
    records: [rec('autoscaleCheck', 'FAILED', 0, 1), rec('pgFailover', 'FAILED', 0, 5), rec('scaleUp', 'COMPLETED', 0, 4)],
    now: 10,
    expect: { totalScaleUps: 1, failedScaleOps: 0, averageScaleDuration: 4, uptimePercent: 100 },
  },
];

describe('aggregateScalingStats', () => {
  for (const c of cases) {
    it(c.name, () => {
      const stats = aggregateScalingStats(c.records, s(c.now));
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(stats[key as keyof ScalingStats], value, key);
    });
  }

  it('names the latest operation to start as the last scale event', () => {
    const stats = aggregateScalingStats([rec('scaleUp', 'COMPLETED', 0, 10), rec('scaleDown', 'FAILED', 50, 60)], s(100));
    assert.deepEqual(stats.lastScaleEvent, {
      workflowId: 'scale/jarvis-app#scaleDown-50',
      type: 'scaleDown',
      service: 'jarvis-app',
      outcome: 'failure',
      at: new Date(s(50)).toISOString(),
    });
  });

  it('measures uptime over an explicit window', () => {
    // failure closes at 10, success at 30: 20 s down of the 50 s window from 0 to 50
    const stats = aggregateScalingStats([rec('scaleUp', 'FAILED', 5, 10), rec('scaleUp', 'COMPLETED', 20, 30)], s(50), s(0));
    assert.equal(stats.uptimePercent, 60);
  });

  it('maps visibility statuses to outcomes', () => {
    assert.deepEqual(
      ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'RUNNING'].map((x) => outcomeOf(x as OperationRecord['status'])),
      ['success', 'failure', 'cancelled', 'failure', 'failure', 'running'],
    );
  });
});
