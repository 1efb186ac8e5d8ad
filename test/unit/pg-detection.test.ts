import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, ServerProbe } from '../../policy/postgres/pg-cluster';
import { evaluateDetection, initialDetectionState, type DetectionCode, type DetectionRule } from '../../policy/postgres/pg-detection';

const rule: DetectionRule = { failedProbes: 3, detectionWindowMs: 2000, receiverSilenceSeconds: 3 };
const published = {
  cluster: 'main',
  epoch: 1,
  primary: { name: 'primary' as const, host: '127.0.0.1', port: 5432 },
  replicas: [],
  updatedAt: '2026-01-01T00:00:00Z',
};

const primaryUp: ServerProbe = {
  name: 'primary',
  host: '127.0.0.1',
  port: 5432,
  reachable: true,
  inRecovery: false,
  currentLsn: '0/3000000',
};
const primaryDown: ServerProbe = { name: 'primary', host: '127.0.0.1', port: 5432, reachable: false, error: 'connect ECONNREFUSED' };
const streaming = (name: 'replica1' | 'replica2', ageSeconds = 0.5): ServerProbe => ({
  name,
  host: '127.0.0.1',
  port: name === 'replica1' ? 5433 : 5434,
  reachable: true,
  inRecovery: true,
  receiveLsn: '0/3000000',
  replayLsn: '0/3000000',
  walReceiver: { status: 'streaming', senderPort: 5432, lastMessageAgeSeconds: ageSeconds },
});
const lost = (name: 'replica1' | 'replica2'): ServerProbe => ({ ...streaming(name), walReceiver: null });

const obs = (atMs: number, servers: ServerProbe[], withTopology = true): ClusterObservation => ({
  cluster: 'main',
  observedAtMs: atMs,
  servers,
  published: withTopology ? published : null,
  lastKnownPrimaryLsn: '0/3000000',
});

/** Runs a sequence of observations through the rule and returns each decision's code. */
function run(sequence: ClusterObservation[]): DetectionCode[] {
  let state = initialDetectionState();
  return sequence.map((o) => {
    const d = evaluateDetection(state, o, rule);
    state = d.state;
    return d.code;
  });
}

describe('primary failure detection', () => {
  const cases: Array<{ name: string; sequence: ClusterObservation[]; expected: DetectionCode[] }> = [
    {
      name: 'a healthy primary stays healthy',
      sequence: [obs(0, [primaryUp, streaming('replica1'), streaming('replica2')])],
      expected: ['PrimaryHealthy'],
    },
    {
      name: 'a killed primary is confirmed after 3 failures over the window, both standbys having lost it',
      sequence: [0, 700, 1400, 2100].map((t) => obs(t, [primaryDown, lost('replica1'), lost('replica2')])),
      // A rule counting probes only would have confirmed at 1400 ms, inside the window.
      expected: ['PrimarySuspect', 'PrimarySuspect', 'PrimarySuspect', 'PrimaryFailed'],
    },
    {
      name: 'a single blip resets the count',
      sequence: [
        obs(0, [primaryDown, lost('replica1'), lost('replica2')]),
        obs(700, [primaryUp, streaming('replica1'), streaming('replica2')]),
        obs(1400, [primaryDown, lost('replica1'), lost('replica2')]),
        obs(2100, [primaryDown, lost('replica1'), lost('replica2')]),
      ],
      expected: ['PrimarySuspect', 'PrimaryHealthy', 'PrimarySuspect', 'PrimarySuspect'],
    },
    {
      name: 'our probes fail but a standby still streams from the primary: not confirmed (a network problem on our side)',
      sequence: [0, 700, 1400, 2100].map((t) => obs(t, [primaryDown, streaming('replica1'), lost('replica2')])),
      expected: ['PrimarySuspect', 'PrimarySuspect', 'PrimarySuspect', 'StandbysStillFollow'],
    },
    {
      name: 'a hung primary is confirmed once its standbys have not heard from it for too long',
      sequence: [
        obs(0, [primaryDown, streaming('replica1', 1), streaming('replica2', 1)]),
        obs(1000, [primaryDown, streaming('replica1', 2), streaming('replica2', 2)]),
        obs(2000, [primaryDown, streaming('replica1', 3.5), streaming('replica2', 3.5)]),
      ],
      expected: ['PrimarySuspect', 'PrimarySuspect', 'PrimaryFailed'],
    },
    {
      name: 'no published topology: nothing is known to fail',
      sequence: [obs(0, [primaryDown, lost('replica1')], false)],
      expected: ['NoPrimaryKnown'],
    },
    {
      name: 'the published primary answers in recovery: the topology is stale, no failover',
      sequence: [obs(0, [{ ...primaryUp, inRecovery: true }, streaming('replica1')])],
      expected: ['PrimaryInRecovery'],
    },
    {
      name: 'nothing answers at all: no second vantage point and nothing to promote',
      sequence: [0, 1000, 2000].map((t) =>
        obs(t, [primaryDown, { ...lost('replica1'), reachable: false }, { ...lost('replica2'), reachable: false }]),
      ),
      expected: ['PrimarySuspect', 'PrimarySuspect', 'NoStandbyReachable'],
    },
    {
      name: 'the primary is down and another server was promoted but not published: confirmed, so pgFailover adopts it',
      sequence: [0, 1000, 2000].map((t) =>
        obs(t, [primaryDown, { ...lost('replica1'), inRecovery: false }, { ...lost('replica2'), reachable: false }]),
      ),
      expected: ['PrimarySuspect', 'PrimarySuspect', 'PromotedNotPublished'],
    },
    {
      name: 'two other writable servers and no standby: not for the monitor to choose, a person must look',
      sequence: [0, 1000, 2000].map((t) =>
        obs(t, [primaryDown, { ...lost('replica1'), inRecovery: false }, { ...lost('replica2'), inRecovery: false }]),
      ),
      expected: ['PrimarySuspect', 'PrimarySuspect', 'NoStandbyReachable'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(run(c.sequence), c.expected));
  }

  it('remembers the most consecutive failures of the run, for the monitor report', () => {
    let state = initialDetectionState();
    for (const o of [
      obs(0, [primaryDown, lost('replica1')]),
      obs(500, [primaryDown, lost('replica1')]),
      obs(1000, [primaryUp, streaming('replica1')]),
    ]) {
      state = evaluateDetection(state, o, rule).state;
    }
    assert.equal(state.maxConsecutiveFailures, 2);
    assert.equal(state.consecutiveFailures, 0);
  });
});
