import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerProbe } from '../../policy/postgres/pg-cluster';
import { planLagReference, type LagReference, type RecordCode, type UseCode } from '../../policy/postgres/pg-lag-reference';

const server = (name: 'primary' | 'replica1' | 'replica2', writable: boolean, lsn: string | null = '0/5000000'): ServerProbe => ({
  name,
  host: '127.0.0.1',
  port: { primary: 5432, replica1: 5433, replica2: 5434 }[name],
  reachable: true,
  inRecovery: !writable,
  currentLsn: writable ? lsn : null,
  replayLsn: writable ? null : '0/4000000',
});
const down = (name: 'primary' | 'replica1' | 'replica2'): ServerProbe => ({
  ...server(name, false),
  reachable: false,
  inRecovery: undefined,
});
const publishedAt = (name: 'primary' | 'replica1') => ({ primary: { name, host: '127.0.0.1', port: name === 'primary' ? 5432 : 5433 } });
const stored = (primary: string, lsn: string): LagReference => ({ primary, lsn });

describe('the lag reference a failover measures its candidate against', () => {
  const cases: Array<{
    name: string;
    servers: ServerProbe[];
    stored: LagReference | null;
    published: ReturnType<typeof publishedAt> | null;
    expected: { record: RecordCode; use: UseCode; write: LagReference | null; lastKnownPrimaryLsn: string | null };
    wrongRule?: string;
  }> = [
    {
      name: 'a healthy published primary: its current position is recorded and used at once',
      servers: [server('primary', true), server('replica1', false), server('replica2', false)],
      stored: stored('primary', '0/3000000'),
      published: publishedAt('primary'),
      expected: {
        record: 'RecordPrimaryPosition',
        use: 'ReferenceOfPublishedPrimary',
        write: stored('primary', '0/5000000'),
        lastKnownPrimaryLsn: '0/5000000',
      },
      wrongRule: 'using the stored position before the write would have measured lag against 0/3000000',
    },
    {
      name: 'the primary is down: nothing is written and the last position taken on it stays the reference',
      servers: [down('primary'), server('replica1', false), server('replica2', false)],
      stored: stored('primary', '0/3000000'),
      published: publishedAt('primary'),
      expected: { record: 'NoWritableServer', use: 'ReferenceOfPublishedPrimary', write: null, lastKnownPrimaryLsn: '0/3000000' },
    },
    {
      name: 'two writable servers (a split): neither position is recorded',
      servers: [server('primary', true, '0/6000000'), server('replica1', true, '0/7000000'), server('replica2', false)],
      stored: stored('primary', '0/3000000'),
      published: publishedAt('primary'),
      expected: { record: 'SeveralWritableServers', use: 'ReferenceOfPublishedPrimary', write: null, lastKnownPrimaryLsn: '0/3000000' },
      wrongRule: 'recording the first writable server would have let either side overwrite the reference',
    },
    {
      name: 'a promoted server not yet published: its position is recorded but not used against the published primary',
      servers: [down('primary'), server('replica1', true), server('replica2', false)],
      stored: stored('primary', '0/3000000'),
      published: publishedAt('primary'),
      expected: {
        record: 'RecordPrimaryPosition',
        use: 'ReferenceOfAnotherServer',
        write: stored('replica1', '0/5000000'),
        lastKnownPrimaryLsn: null,
      },
      wrongRule: "ignoring the server name would have measured the old primary's candidates against replica1's WAL",
    },
    {
      name: 'no topology published yet: no reference is usable',
      servers: [server('primary', true), server('replica1', false)],
      stored: null,
      published: null,
      expected: {
        record: 'RecordPrimaryPosition',
        use: 'NoPublishedPrimary',
        write: stored('primary', '0/5000000'),
        lastKnownPrimaryLsn: null,
      },
    },
    {
      name: 'the writable server reports no position: nothing recorded, nothing stored to use',
      servers: [server('primary', true, null)],
      stored: null,
      published: publishedAt('primary'),
      expected: { record: 'NoPositionReported', use: 'NoReference', write: null, lastKnownPrimaryLsn: null },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(planLagReference(c.servers, c.stored, c.published), c.expected, c.wrongRule);
    });
  }
});
