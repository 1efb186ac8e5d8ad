import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, PgServerName, ServerProbe } from '../../policy/postgres/pg-cluster';
import { decideFailoverNeed, decidePromotion } from '../../policy/postgres/pg-failover-decision';

const PORTS: Record<PgServerName, number> = { primary: 5432, replica1: 5433, replica2: 5434 };
const member = (name: PgServerName) => ({ name, host: '127.0.0.1', port: PORTS[name] });

const writable = (name: PgServerName, currentLsn = '0/6000000'): ServerProbe => ({
  ...member(name),
  reachable: true,
  inRecovery: false,
  currentLsn,
});
const standby = (name: PgServerName, receiveLsn = '0/6000000'): ServerProbe => ({
  ...member(name),
  reachable: true,
  inRecovery: true,
  receiveLsn,
  replayLsn: receiveLsn,
});
const down = (name: PgServerName): ServerProbe => ({ ...member(name), reachable: false, error: 'connect ECONNREFUSED' });

function observation(
  servers: ServerProbe[],
  published: PgServerName | null = 'primary',
  lastKnown: string | null = '0/6000000',
): ClusterObservation {
  return {
    cluster: 'main',
    observedAtMs: 0,
    servers,
    published: published
      ? { cluster: 'main', epoch: 1, primary: member(published), replicas: [], updatedAt: '2026-01-01T00:00:00Z' }
      : null,
    lastKnownPrimaryLsn: lastKnown,
  };
}

describe('is a failover needed (decideFailoverNeed)', () => {
  const scenarios: Array<{ name: string; observed: ClusterObservation; expect: [string, string, string | undefined]; why: string }> = [
    {
      name: 'a published primary that does not answer needs a failover',
      observed: observation([down('primary'), standby('replica1'), standby('replica2')]),
      expect: ['failover', 'PrimaryUnreachable', 'primary'],
      why: 'the usual case; a rule that trusted the monitor alone would be right here too',
    },
    {
      name: 'a published primary that answers and accepts writes needs none',
      observed: observation([writable('primary'), standby('replica1'), standby('replica2')]),
      expect: ['none', 'PrimaryHealthy', 'primary'],
      why: 'a false alarm: failing over anyway would promote a standby beside a live primary (two writable servers)',
    },
    {
      name: 'a published primary that answers in recovery needs a failover',
      observed: observation([standby('primary'), standby('replica1'), standby('replica2')]),
      expect: ['failover', 'PrimaryInRecovery', 'primary'],
      why: 'answering is not enough: a rule on reachability alone would leave the cluster with no writable server',
    },
    {
      name: 'with no publication, the only writable server is the primary',
      observed: observation([writable('replica1'), standby('primary'), standby('replica2')], null),
      expect: ['none', 'PrimaryHealthy', 'replica1'],
      why: 'a rule that assumed the server named "primary" would fail over a healthy cluster',
    },
    {
      name: 'with no publication and no writable server, the primary is unknown',
      observed: observation([down('primary'), standby('replica1'), standby('replica2')], null),
      expect: ['refuse', 'NoPrimaryKnown', undefined],
      why: 'guessing a failed primary would fence a server nobody knows to be the primary',
    },
    {
      name: 'with no publication and two writable servers, the primary is unknown',
      observed: observation([writable('primary'), writable('replica1'), standby('replica2')], null),
      expect: ['refuse', 'NoPrimaryKnown', undefined],
      why: 'picking either would fence one writable server at random; a person must look',
    },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const need = decideFailoverNeed(s.observed);
      assert.deepEqual([need.action, need.code, 'oldPrimary' in need ? need.oldPrimary : undefined], s.expect, s.why);
    });
  }
});

describe('which standby is promoted, and who must approve (decidePromotion)', () => {
  const fencedPrimary = down('primary');
  const scenarios: Array<{
    name: string;
    servers: ServerProbe[];
    lastKnown?: string | null;
    requireApproval?: boolean;
    expect: { action: string; code: string; name?: string; approval?: string };
    why: string;
  }> = [
    {
      name: 'a caught-up standby is promoted without approval',
      servers: [fencedPrimary, standby('replica1', '0/5000000'), standby('replica2')],
      expect: { action: 'promote', code: 'CandidateCaughtUp', name: 'replica2', approval: 'NoApprovalNeeded' },
      why: 'the standby holding the most WAL holds every acknowledged commit',
    },
    {
      name: 'a standby already writable after the fence is adopted (AlreadyPromoted)',
      servers: [fencedPrimary, writable('replica1', '0/7000000'), standby('replica2')],
      expect: { action: 'adopt', code: 'AlreadyPromoted', name: 'replica1' },
      why: 'a resumed run that chose again would promote replica2 beside replica1: two writable servers',
    },
    {
      name: 'an adopted standby needs no approval even when the input asks for one',
      servers: [fencedPrimary, writable('replica2'), standby('replica1', '0/1000000')],
      requireApproval: true,
      expect: { action: 'adopt', code: 'AlreadyPromoted', name: 'replica2' },
      why: 'it already serves writes; waiting for approval would only hold the cluster back',
    },
    {
      name: 'two writable standbys are not adopted: the candidate rule decides',
      servers: [fencedPrimary, writable('replica1'), writable('replica2')],
      expect: { action: 'refuse', code: 'NoCandidate' },
      why: 'adopting either would hide a split brain; with no standby in recovery, nothing can be promoted',
    },
    {
      name: 'a lagging candidate needs an operator',
      servers: [fencedPrimary, standby('replica1', '0/1000000'), down('replica2')],
      lastKnown: '0/9000000',
      expect: { action: 'promote', code: 'CandidateLagsNeedsApproval', name: 'replica1', approval: 'CandidateNeedsApproval' },
      why: 'promoting without approval would drop commits the old primary acknowledged',
    },
    {
      name: 'an unknown last position needs an operator',
      servers: [fencedPrimary, standby('replica1'), standby('replica2')],
      lastKnown: null,
      expect: { action: 'promote', code: 'CandidateLagUnknownNeedsApproval', name: 'replica1', approval: 'CandidateNeedsApproval' },
      why: 'with no reference the lag cannot be proved small',
    },
    {
      name: 'the input can demand approval for a caught-up candidate',
      servers: [fencedPrimary, standby('replica1'), standby('replica2', '0/5000000')],
      requireApproval: true,
      expect: { action: 'promote', code: 'CandidateCaughtUp', name: 'replica1', approval: 'ApprovalRequiredByInput' },
      why: 'ignoring requireApproval would promote while the operator asked to decide',
    },
    {
      name: 'no reachable standby refuses',
      servers: [fencedPrimary, down('replica1'), down('replica2')],
      expect: { action: 'refuse', code: 'NoCandidate' },
      why: 'promoting an unreachable server cannot work and would leave the plan half applied',
    },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const decision = decidePromotion({
        afterFence: observation(s.servers),
        oldPrimary: 'primary',
        lastKnownPrimaryLsn: s.lastKnown === undefined ? '0/6000000' : s.lastKnown,
        maxLagBytes: 1024,
        requireApproval: s.requireApproval ?? false,
      });
      const seen = {
        action: decision.action,
        code: decision.code,
        ...(decision.action === 'adopt' ? { name: decision.name } : {}),
        ...(decision.action === 'promote' ? { name: decision.choice.name, approval: decision.approval.code } : {}),
      };
      assert.deepEqual(seen, s.expect, s.why);
    });
  }

  it('an approval asked by the input says so, not the candidate reason', () => {
    const decision = decidePromotion({
      afterFence: observation([fencedPrimary, standby('replica1')]),
      oldPrimary: 'primary',
      lastKnownPrimaryLsn: '0/6000000',
      maxLagBytes: 1024,
      requireApproval: true,
    });
    assert.equal(decision.action === 'promote' && decision.approval.why, 'this failover requires approval');
  });
});
