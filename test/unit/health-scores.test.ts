import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreInstances } from '../../read-models/health-scores';
import type { InstanceView } from '../../read-models/platform-view';

function view(name: string, extra: Partial<InstanceView> = {}): InstanceView {
  return {
    name,
    host: '127.0.0.1',
    port: 3101,
    version: 'v1',
    running: true,
    registryStatus: 'ready',
    cpuPercent: 1,
    memoryPercent: 10,
    activeConnections: 0,
    health: { status: 200, healthy: true },
    ...extra,
  };
}

const routed = (name: string, score: number, code: string) => ({
  name,
  breaker: 'closed',
  code,
  score,
  errorRate: 1 - score / 100,
  weight: 1,
  down: false,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  answer: '200',
});

describe('instance health scores', () => {
  it("takes the health router's score where it tracks the instance, and a probe's 100/0 elsewhere", () => {
    const scores = scoreInstances(
      [view('jarvis-app-1'), view('jarvis-app-2'), view('jarvis-app-3', { health: { status: 503, healthy: false } })],
      [routed('jarvis-app-1', 75, 'ErrorRateHigh')],
    );
    assert.deepEqual(
      scores.map((s) => [s.instance, s.score, s.source, s.code]),
      [
        ['jarvis-app-1', 75, 'health-router', 'ErrorRateHigh'],
        ['jarvis-app-2', 100, 'probe', null],
        ['jarvis-app-3', 0, 'probe', null],
      ],
    );
  });

  it('scores a stopped instance 0 and an unprobed one by its registry status, with no router', () => {
    const scores = scoreInstances(
      [view('a', { running: false, health: null }), view('b', { health: null }), view('c', { health: null, registryStatus: 'starting' })],
      null,
    );
    assert.deepEqual(
      scores.map((s) => s.score),
      [0, 100, 0],
    );
  });
});
