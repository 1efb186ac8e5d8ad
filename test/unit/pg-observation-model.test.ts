import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, PgServerName, ServerProbe } from '../../policy/postgres/pg-cluster';
import { modelFromObservation } from '../../policy/postgres/pg-observation-model';
import type { NodeModel } from '../../policy/postgres/pg-plan';

const PORTS: Record<PgServerName, number> = { primary: 5432, replica1: 5433, replica2: 5434 };
const member = (name: PgServerName) => ({ name, host: '127.0.0.1', port: PORTS[name] });

const writable = (name: PgServerName): ServerProbe => ({ ...member(name), reachable: true, inRecovery: false });
const streaming = (name: PgServerName, from: PgServerName | number, status = 'streaming'): ServerProbe => ({
  ...member(name),
  reachable: true,
  inRecovery: true,
  walReceiver: { status, senderPort: typeof from === 'number' ? from : PORTS[from], lastMessageAgeSeconds: 0 },
});
const down = (name: PgServerName): ServerProbe => ({ ...member(name), reachable: false });

function observe(servers: ServerProbe[], published: PgServerName | null = 'primary'): ClusterObservation {
  return {
    cluster: 'main',
    observedAtMs: 0,
    servers,
    published: published
      ? {
          cluster: 'main',
          epoch: 1,
          primary: member(published),
          replicas: (['primary', 'replica1', 'replica2'] as const).filter((n) => n !== published).map(member),
          updatedAt: '2026-01-01T00:00:00Z',
        }
      : null,
    lastKnownPrimaryLsn: null,
  };
}

/** One node as [running, writable, fenced, follows]. */
type Row = [boolean, boolean, boolean, string | null];
const row = (n: NodeModel): Row => [n.running, n.writable, n.fenced, n.follows];

const scenarios: Array<{
  name: string;
  observed: ClusterObservation;
  fenced?: PgServerName;
  expect: Record<string, Row> | string;
  why: string;
}> = [
  {
    name: 'a healthy cluster: one writable primary, two standbys following it',
    observed: observe([writable('primary'), streaming('replica1', 'primary'), streaming('replica2', 'primary')]),
    expect: { primary: [true, true, false, null], replica1: [true, false, false, 'primary'], replica2: [true, false, false, 'primary'] },
    why: 'the baseline every plan starts from',
  },
  {
    name: 'an unreachable published primary counts as running and writable',
    observed: observe([down('primary'), streaming('replica1', 'primary'), streaming('replica2', 'primary')]),
    expect: { primary: [true, true, false, null], replica1: [true, false, false, 'primary'], replica2: [true, false, false, 'primary'] },
    why: 'counting it stopped would let a plan promote a standby before fencing a primary that may still acknowledge writes',
  },
  {
    name: 'an unreachable server that is not the published primary counts as running, not writable',
    observed: observe([writable('primary'), down('replica1'), streaming('replica2', 'primary')]),
    expect: { primary: [true, true, false, null], replica1: [true, false, false, null], replica2: [true, false, false, 'primary'] },
    why: 'counting it writable would make two writable servers and refuse every plan',
  },
  {
    name: 'the server this run fenced counts as stopped, writable and fenced',
    observed: observe([down('primary'), streaming('replica1', 'primary'), streaming('replica2', 'primary')]),
    fenced: 'primary',
    expect: { primary: [false, true, true, null], replica1: [true, false, false, 'primary'], replica2: [true, false, false, 'primary'] },
    why: 'without the fence mark the plan would fence it again, or refuse to promote beside an unfenced writable server',
  },
  {
    name: 'a WAL receiver that is not streaming follows nobody',
    observed: observe([writable('primary'), streaming('replica1', 'primary', 'waiting'), streaming('replica2', 'primary')]),
    expect: { primary: [true, true, false, null], replica1: [true, false, false, null], replica2: [true, false, false, 'primary'] },
    why: 'a standby that is only trying to connect does not confirm commits; counting it would overstate the quorum',
  },
  {
    name: 'a sender port that no server has follows nobody',
    observed: observe([writable('primary'), streaming('replica1', 6999), streaming('replica2', 'primary')]),
    expect: { primary: [true, true, false, null], replica1: [true, false, false, null], replica2: [true, false, false, 'primary'] },
    why: 'naming an unknown sender would break the "follows a server that exists" invariant',
  },
  {
    name: 'a standby streaming from a promoted standby follows it',
    observed: observe([down('primary'), writable('replica1'), streaming('replica2', 'replica1')], 'replica1'),
    expect: { primary: [true, false, false, null], replica1: [true, true, false, null], replica2: [true, false, false, 'replica1'] },
    why: 'following is read from the sender port, not from the published topology',
  },
  {
    name: 'two unfenced writable servers are refused',
    observed: observe([writable('primary'), writable('replica1'), streaming('replica2', 'primary')], null),
    expect: 'more than one unfenced writable server: primary, replica1',
    why: 'a split brain: any plan from here could lose acknowledged writes; a person must look',
  },
];

describe('the plan model from an observation', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const built = modelFromObservation(s.observed, s.fenced ?? null);
      if (typeof s.expect === 'string') {
        assert.equal(built.ok, false, s.why);
        assert.equal(built.code, 'InvariantBroken');
        if (!built.ok) assert.match(built.problems.join('; '), new RegExp(s.expect), s.why);
        return;
      }
      assert.equal(built.code, 'ModelReady', s.why);
      assert.deepEqual(Object.fromEntries(built.model.nodes.map((n) => [n.name, row(n)])), s.expect, s.why);
    });
  }

  it('carries the published topology and starts with nothing caught up or restored', () => {
    const built = modelFromObservation(
      observe([writable('primary'), streaming('replica1', 'primary'), streaming('replica2', 'primary')]),
      null,
    );
    assert.deepEqual(built.model.published, { primary: 'primary', replicas: ['replica1', 'replica2'] });
    assert.equal(built.model.syncRestoredOn, null);
    assert.equal(built.model.caughtUp, null);
  });
});
