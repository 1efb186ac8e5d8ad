import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, ServerProbe } from '../../policy/postgres/pg-cluster';
import type { DetectionDecision } from '../../policy/postgres/pg-detection';
import { splitPgMonitorInput } from '../../policy/postgres/pg-monitor-input';
import { firstTopologyToPublish, watchStep, type WatchCode, type WatchSettings } from '../../policy/postgres/pg-monitor-watch';

const settings = (returnOnConfirmed = true): WatchSettings => ({
  failedProbes: 3,
  detectionWindowMs: 2000,
  receiverSilenceSeconds: 3,
  probeIntervalMs: 600,
  watchMs: 300_000,
  returnOnConfirmed,
});

describe('when the monitor watch hands back to its workflow', () => {
  const cases: Array<{
    name: string;
    verdict: DetectionDecision['verdict'];
    elapsedMs: number;
    autoFailover: boolean;
    expected: WatchCode;
  }> = [
    // Returning on healthy would have made one execution per probe again: the flood this replaces.
    {
      name: 'a healthy primary keeps the watch going',
      verdict: 'healthy',
      elapsedMs: 10_000,
      autoFailover: true,
      expected: 'KeepWatching',
    },
    {
      name: 'a suspect primary is probed again inside the watch',
      verdict: 'suspect',
      elapsedMs: 10_000,
      autoFailover: true,
      expected: 'KeepWatching',
    },
    {
      name: 'an unknown state is probed again, not handed back',
      verdict: 'unknown',
      elapsedMs: 10_000,
      autoFailover: true,
      expected: 'KeepWatching',
    },
    { name: 'a confirmed failure returns at once', verdict: 'confirmed', elapsedMs: 10, autoFailover: true, expected: 'FailureConfirmed' },
    {
      // Returning here would confirm the same dead primary every round and continue as new each time.
      name: 'a confirmed failure without autoFailover only reports, until the time is up',
      verdict: 'confirmed',
      elapsedMs: 10,
      autoFailover: false,
      expected: 'KeepWatching',
    },
    {
      name: 'time up returns even while suspect (the state travels on)',
      verdict: 'suspect',
      elapsedMs: 300_000,
      autoFailover: true,
      expected: 'WatchTimeUp',
    },
    {
      name: 'time up while healthy returns for continue-as-new',
      verdict: 'healthy',
      elapsedMs: 300_001,
      autoFailover: true,
      expected: 'WatchTimeUp',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const step = watchStep({ verdict: c.verdict }, c.elapsedMs, settings(c.autoFailover));
      assert.equal(step.code, c.expected);
      assert.equal(step.done, c.expected !== 'KeepWatching');
    });
  }
});

describe('the first topology a monitor publishes', () => {
  const probe = (name: 'primary' | 'replica1' | 'replica2', inRecovery: boolean | undefined, reachable = true): ServerProbe => ({
    name,
    host: '127.0.0.1',
    port: 5432,
    reachable,
    inRecovery,
  });
  const observation = (servers: ServerProbe[], published = false): ClusterObservation => ({
    cluster: 'main',
    observedAtMs: 0,
    servers,
    published: published
      ? { cluster: 'main', epoch: 1, primary: { name: 'primary', host: '127.0.0.1', port: 5432 }, replicas: [], updatedAt: '' }
      : null,
    lastKnownPrimaryLsn: null,
  });
  it('names the one writable server and the reachable standbys', () => {
    const servers = [probe('primary', false), probe('replica1', true), probe('replica2', undefined, false)];
    assert.deepEqual(firstTopologyToPublish(observation(servers)), { primary: 'primary', replicas: ['replica1'] });
  });
  it('publishes nothing over an existing topology, nor with two writable servers', () => {
    assert.equal(firstTopologyToPublish(observation([probe('primary', false)], true)), null);
    assert.equal(firstTopologyToPublish(observation([probe('primary', false), probe('replica1', false)])), null);
  });
});

describe("the long-running monitor's input", () => {
  it('splits watchMs and carried off, so the one-shot schema stays strict', () => {
    const split = splitPgMonitorInput({ cluster: 'main', failedProbes: 4, watchMs: 5000 });
    assert.deepEqual(split.base, { cluster: 'main', failedProbes: 4 });
    assert.deepEqual(split.watch, { ok: true, value: { watchMs: 5000, carried: undefined } });
    assert.equal(split.watchFieldsGiven, true);
  });
  it('names the field of a bad watch value', () => {
    const split = splitPgMonitorInput({ cluster: 'main', watchMs: 10 });
    assert.deepEqual(split.watch, { ok: false, problems: ['watchMs: watchMs must be at least 1000'] });
  });
});
