import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAOS_WINDOW_MS, OPERATIONS, planTrials } from '../chaos/plan';

describe('chaos trial plan', () => {
  it('is the same for the same seed and differs for another seed (a failing run can be replayed)', () => {
    assert.deepEqual(planTrials({ seed: 7, count: 20 }), planTrials({ seed: 7, count: 20 }));
    assert.notDeepEqual(planTrials({ seed: 7, count: 20 }), planTrials({ seed: 8, count: 20 }));
  });

  it("draws every operation over a long run, with kills (sometimes two) and server restarts inside each operation's window", () => {
    const trials = planTrials({ seed: 4242, count: 200 });
    assert.deepEqual(new Set(trials.map((t) => t.operation)), new Set(OPERATIONS));
    assert.ok(
      trials.some((t) => t.killAtMs.length === 2),
      'some trials kill twice',
    );
    assert.ok(
      trials.some((t) => t.killAtMs.length === 0),
      'some trials do not kill',
    );
    assert.ok(
      trials.some((t) => t.serverRestartAtMs !== undefined),
      'some trials restart the server',
    );
    assert.ok(
      trials.some((t) => t.machineCrashAtMs !== undefined),
      'some trials crash the machine',
    );
    for (const t of trials) {
      const window = CHAOS_WINDOW_MS[t.operation];
      assert.ok(
        t.killAtMs.every((ms) => ms >= 100 && ms <= window),
        `kills of trial ${t.index} within (100, ${window}): ${t.killAtMs}`,
      );
      assert.deepEqual(
        t.killAtMs,
        [...t.killAtMs].sort((a, b) => a - b),
      );
      assert.equal(t.respawnDelayMs.length, t.killAtMs.length);
      assert.ok(t.serverRestartAtMs === undefined || (t.serverRestartAtMs >= 100 && t.serverRestartAtMs <= window));
      assert.ok(t.machineCrashAtMs === undefined || (t.machineCrashAtMs >= 100 && t.machineCrashAtMs <= window));
      assert.ok(t.pick >= 0 && t.pick < 1);
    }
  });

  it("cycles through the given operations when they are named (the CI pass's coverage)", () => {
    const trials = planTrials({
      seed: 1,
      count: 5,
      operations: ['scaleUp', 'redisReshard'],
      killProbability: 1,
      serverRestartProbability: 0,
    });
    assert.deepEqual(
      trials.map((t) => t.operation),
      ['scaleUp', 'redisReshard', 'scaleUp', 'redisReshard', 'scaleUp'],
    );
    assert.ok(trials.every((t) => t.killAtMs.length >= 1 && t.serverRestartAtMs === undefined));
  });
});
