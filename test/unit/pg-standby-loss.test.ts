import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, ServerProbe } from '../../policy/postgres/pg-cluster';
import { watchStep } from '../../policy/postgres/pg-monitor-watch';
import {
  evaluateStandbyLoss,
  STANDBY_LOSS_MIN_MS,
  standbysNotStreaming,
  type StandbyLossState,
} from '../../policy/postgres/pg-standby-loss';

const rule = { failedProbes: 3, detectionWindowMs: 2_000 };
const primary: ServerProbe = { name: 'primary', host: '127.0.0.1', port: 5432, reachable: true, inRecovery: false };
const streaming = (name: 'replica1' | 'replica2', port = 5432): ServerProbe => ({
  name,
  host: '127.0.0.1',
  port: name === 'replica1' ? 5433 : 5434,
  reachable: true,
  inRecovery: true,
  walReceiver: { status: 'streaming', senderPort: port, lastMessageAgeSeconds: 0 },
});
const down = (name: 'replica1' | 'replica2'): ServerProbe => ({
  name,
  host: '127.0.0.1',
  port: 5434,
  reachable: false,
  error: 'ECONNREFUSED',
});
const observe = (atMs: number, ...standbys: ServerProbe[]): ClusterObservation => ({
  cluster: 'main',
  observedAtMs: atMs,
  servers: [primary, ...standbys],
  published: null,
  lastKnownPrimaryLsn: null,
});

describe('standby loss (the monitor rejoins a standby that stopped streaming)', () => {
  const cases: Array<{ name: string; standbys: ServerProbe[]; expected: string[] }> = [
    { name: 'both streaming from the primary', standbys: [streaming('replica1'), streaming('replica2')], expected: [] },
    { name: 'a standby that does not answer', standbys: [streaming('replica1'), down('replica2')], expected: ['replica2'] },
    {
      name: 'a standby streaming from another server',
      standbys: [streaming('replica1', 5434), streaming('replica2')],
      expected: ['replica1'],
    },
    {
      name: 'a standby whose receiver is not streaming',
      standbys: [
        { ...streaming('replica1'), walReceiver: { status: 'waiting', senderPort: null, lastMessageAgeSeconds: null } },
        streaming('replica2'),
      ],
      expected: ['replica1'],
    },
    {
      name: 'a second writable server does not stream either',
      standbys: [{ ...streaming('replica1'), inRecovery: false }, streaming('replica2')],
      expected: ['replica1'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(standbysNotStreaming(observe(0, ...c.standbys), 'primary'), c.expected));

  it('is lost only after the failed probes and the window, then resets once it streams', () => {
    let state: StandbyLossState = {};
    const lostAt: string[][] = [];
    for (const t of [0, 600, 1_200, 2_400, STANDBY_LOSS_MIN_MS - 1, STANDBY_LOSS_MIN_MS]) {
      const d = evaluateStandbyLoss(state, observe(t, streaming('replica1'), down('replica2')), 'primary', rule);
      state = d.state;
      lostAt.push(d.lost);
    }
    assert.deepEqual(lostAt, [[], [], [], [], [], ['replica2']]);
    const back = evaluateStandbyLoss(state, observe(6_000, streaming('replica1'), streaming('replica2')), 'primary', rule);
    assert.deepEqual(back, { state: {}, lost: [], reason: 'every standby streams from primary' });
  });

  it('hands back to the workflow only with autoFailover, and only under a healthy primary', () => {
    const settings = { ...rule, receiverSilenceSeconds: 3, probeIntervalMs: 600, watchMs: 300_000, returnOnConfirmed: true };
    assert.equal(watchStep({ verdict: 'healthy' }, 10, settings, ['replica2']).code, 'StandbyLost');
    assert.equal(watchStep({ verdict: 'healthy' }, 10, { ...settings, returnOnConfirmed: false }, ['replica2']).code, 'KeepWatching');
    assert.equal(watchStep({ verdict: 'suspect' }, 10, settings, ['replica2']).code, 'KeepWatching');
    assert.equal(watchStep({ verdict: 'healthy' }, 10, settings, []).code, 'KeepWatching');
  });
});
