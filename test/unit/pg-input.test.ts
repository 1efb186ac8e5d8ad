import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, ServerProbe } from '../../policy/postgres/pg-cluster';
import { checkSwitchoverTarget, parsePgFailoverInput, parsePgMonitorInput, parsePgSwitchoverInput } from '../../policy/postgres/pg-input';

describe('PostgreSQL HA inputs', () => {
  const rejected: Array<[string, (raw: unknown) => { ok: boolean; problems?: string[] }, unknown, RegExp]> = [
    ['failover of an unknown cluster', parsePgFailoverInput, { cluster: 'other' }, /cluster must be one of: main/],
    ['failover without a cluster', parsePgFailoverInput, {}, /cluster must be a string/],
    ['failover with a misspelt field', parsePgFailoverInput, { cluster: 'main', maxlag: 1 }, /unknown field\(s\): maxlag/],
    [
      'failover with a negative lag threshold',
      parsePgFailoverInput,
      { cluster: 'main', maxLagBytes: -1 },
      /maxLagBytes must not be negative/,
    ],
    [
      'switchover to an unknown server',
      parsePgSwitchoverInput,
      { cluster: 'main', target: 'replica9' },
      /target must be one of: primary, replica1, replica2/,
    ],
    ['switchover without a target', parsePgSwitchoverInput, { cluster: 'main' }, /target must be a server name/],
    ['switchover of an unknown cluster', parsePgSwitchoverInput, { cluster: 'x', target: 'replica1' }, /cluster must be one of/],
    [
      'a monitor that would act on one failed probe',
      parsePgMonitorInput,
      { cluster: 'main', failedProbes: 1 },
      /failedProbes must be at least 2/,
    ],
    ['a string instead of an object', parsePgFailoverInput, 'main', /JSON object/],
  ];
  for (const [name, parse, raw, message] of rejected) {
    it(`rejects ${name}`, () => {
      const parsed = parse(raw) as { ok: boolean; problems?: string[] };
      assert.equal(parsed.ok, false);
      assert.match((parsed.problems ?? []).join('; '), message);
    });
  }

  it('fills the defaults for the plain CLI form', () => {
    const parsed = parsePgFailoverInput({ cluster: 'main' });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.maxLagBytes, 16 * 1024 * 1024);
    assert.equal(parsed.value.requireApproval, false);
  });
});

describe('switchover target check', () => {
  const primary: ServerProbe = {
    name: 'primary',
    host: '127.0.0.1',
    port: 5432,
    reachable: true,
    inRecovery: false,
    currentLsn: '0/3000100',
    replication: [
      { applicationName: 'replica1', state: 'streaming', syncState: 'quorum', replayLsn: '0/3000100', replayLagSeconds: 0 },
      { applicationName: 'replica2', state: 'streaming', syncState: 'quorum', replayLsn: '0/2000000', replayLagSeconds: 3 },
    ],
  };
  const replica = (name: 'replica1' | 'replica2', lsn: string): ServerProbe => ({
    name,
    host: '127.0.0.1',
    port: 5433,
    reachable: true,
    inRecovery: true,
    receiveLsn: lsn,
    replayLsn: lsn,
  });
  const obs = (servers: ServerProbe[]): ClusterObservation => ({
    cluster: 'main',
    observedAtMs: 0,
    servers,
    published: null,
    lastKnownPrimaryLsn: null,
  });

  const cases: Array<[string, string, ServerProbe[], string]> = [
    [
      'a caught-up streaming replica is ready',
      'replica1',
      [primary, replica('replica1', '0/3000100'), replica('replica2', '0/2000000')],
      'TargetReady',
    ],
    ['the current primary is refused', 'primary', [primary, replica('replica1', '0/3000100')], 'TargetIsPrimary'],
    [
      'a lagging replica is refused',
      'replica2',
      [primary, replica('replica1', '0/3000100'), replica('replica2', '0/2000000')],
      'TargetNotCaughtUp',
    ],
    ['an unreachable replica is refused', 'replica2', [primary, { ...replica('replica2', '0/1'), reachable: false }], 'TargetUnreachable'],
    ['two writable servers: no switchover', 'replica1', [primary, { ...replica('replica1', '0/1'), inRecovery: false }], 'NoSinglePrimary'],
  ];
  for (const [name, target, servers, code] of cases) {
    it(name, () => assert.equal(checkSwitchoverTarget(target, obs(servers), 1024).code, code));
  }
});
