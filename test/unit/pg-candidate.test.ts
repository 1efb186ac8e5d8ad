import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lsnDiffBytes, lsnToBigInt, type ServerProbe } from '../../policy/postgres/pg-cluster';
import { chooseCandidate } from '../../policy/postgres/pg-candidate';

const standby = (name: 'replica1' | 'replica2', receiveLsn: string | null, replayLsn: string, reachable = true): ServerProbe => ({
  name,
  host: '127.0.0.1',
  port: name === 'replica1' ? 5433 : 5434,
  reachable,
  inRecovery: true,
  receiveLsn,
  replayLsn,
});

describe('failover candidate choice', () => {
  const cases: Array<{
    name: string;
    servers: ServerProbe[];
    last: string | null;
    max: number;
    expected: [string, string | undefined, boolean | undefined];
  }> = [
    {
      name: 'the standby holding the most WAL wins',
      servers: [standby('replica1', '0/5000000', '0/5000000'), standby('replica2', '0/6000000', '0/6000000')],
      last: '0/6000000',
      max: 1024,
      expected: ['CandidateCaughtUp', 'replica2', false],
    },
    // Choosing by replayed LSN alone would pick replica2 and lose commits only replica1 flushed.
    {
      name: 'received (flushed) WAL beats replayed WAL',
      servers: [standby('replica1', '0/6000000', '0/5000000'), standby('replica2', '0/5800000', '0/5800000')],
      last: '0/6000000',
      max: 1024,
      expected: ['CandidateCaughtUp', 'replica1', false],
    },
    {
      name: 'on equal received WAL, the one with less to replay wins',
      servers: [standby('replica1', '0/6000000', '0/5000000'), standby('replica2', '0/6000000', '0/5F00000')],
      last: '0/6000000',
      max: 0,
      expected: ['CandidateCaughtUp', 'replica2', false],
    },
    {
      name: 'a full tie goes to the name, so a resumed choice is the same',
      servers: [standby('replica2', '0/6000000', '0/6000000'), standby('replica1', '0/6000000', '0/6000000')],
      last: '0/6000000',
      max: 0,
      expected: ['CandidateCaughtUp', 'replica1', false],
    },
    {
      name: 'a candidate past the lag threshold needs approval',
      servers: [standby('replica1', '0/1000000', '0/1000000')],
      last: '0/3000000',
      max: 16 * 1024 * 1024,
      expected: ['CandidateLagsNeedsApproval', 'replica1', true],
    },
    {
      name: 'an unknown primary position needs approval',
      servers: [standby('replica1', '0/1000000', '0/1000000')],
      last: null,
      max: 1024,
      expected: ['CandidateLagUnknownNeedsApproval', 'replica1', true],
    },
    {
      name: 'an unreachable standby is never chosen',
      servers: [standby('replica1', '0/9000000', '0/9000000', false), standby('replica2', '0/6000000', '0/6000000')],
      last: '0/6000000',
      max: 1024,
      expected: ['CandidateCaughtUp', 'replica2', false],
    },
    {
      name: 'no reachable standby: no candidate',
      servers: [standby('replica1', '0/9000000', '0/9000000', false)],
      last: '0/6000000',
      max: 1024,
      expected: ['NoCandidate', undefined, undefined],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const choice = chooseCandidate(c.servers, 'primary', c.last, c.max);
      assert.deepEqual([choice.code, choice.ok ? choice.name : undefined, choice.ok ? choice.needsApproval : undefined], c.expected);
    });
  }

  it('reads LSNs as 64-bit positions', () => {
    assert.equal(lsnToBigInt('1/0'), 1n << 32n);
    assert.equal(lsnDiffBytes('1/10', '0/FFFFFFF0'), 32);
    assert.throws(() => lsnToBigInt('nonsense'), /not an LSN/);
  });
});
