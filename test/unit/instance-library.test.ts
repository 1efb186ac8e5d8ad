import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAppSettings } from '../../app/settings';
import { parseCookieHeader, readSessionCookie } from '../../app/lib/cookies';
import { formatLsn, parseLsn } from '../../app/lib/lsn';
import { isNewerTopology, parseTopology } from '../../app/lib/pg-topology';
import { createLagEstimator } from '../../app/lib/replica-lag';

const SID = '0123456789abcdef0123456789abcdef';

describe('session cookies', () => {
  const cases: [string | undefined, ReturnType<typeof readSessionCookie>][] = [
    [undefined, { kind: 'none' }],
    ['theme=dark', { kind: 'none' }],
    [`jarvis_sid=${SID}`, { kind: 'valid', id: SID }],
    [`a=1; jarvis_sid="${SID}"; b=2`, { kind: 'valid', id: SID }],
    [`jarvis_sid=${SID}; jarvis_sid=zz`, { kind: 'valid', id: SID }], // first wins, as browsers send the most specific first
    ['jarvis_sid=', { kind: 'malformed', reason: 'cookie jarvis_sid must be 32 lowercase hex characters' }],
    [`jarvis_sid=${SID.toUpperCase()}`, { kind: 'malformed', reason: 'cookie jarvis_sid must be 32 lowercase hex characters' }],
  ];
  for (const [header, expected] of cases) {
    it(`reads ${JSON.stringify(header)} as ${expected.kind}`, () => assert.deepEqual(readSessionCookie(header), expected));
  }
  it('skips pairs without "="', () => assert.deepEqual([...parseCookieHeader('junk; a=b')], [['a', 'b']]));
});

describe('LSNs and replica lag', () => {
  it('parses and formats LSNs, refusing other text', () => {
    assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
    assert.equal(formatLsn(parseLsn('0/407F1D8')!), '0/407F1D8');
    assert.equal(parseLsn('16-B3'), undefined);
    assert.equal(parseLsn(null), undefined);
  });

  it('measures lag as the age of the oldest primary position the replica has not replayed', () => {
    const lag = createLagEstimator();
    lag.addPrimarySample({ atMs: 1_000, lsn: 100n });
    lag.addPrimarySample({ atMs: 1_250, lsn: 100n }); // idle primary: not a new position
    lag.addPrimarySample({ atMs: 1_500, lsn: 200n });
    lag.addPrimarySample({ atMs: 2_000, lsn: 300n });
    assert.equal(lag.lagMs(300n, 2_100), 0, 'caught up');
    assert.equal(lag.lagMs(250n, 2_100), 100, 'missing only the newest sample');
    assert.equal(lag.lagMs(150n, 2_100), 600, 'missing everything since 1,500 ms');
    assert.equal(lag.lagMs(100n, 5_000), 3_500, 'an idle primary does not make lag look smaller (a wrong rule would say 0)');
  });
});

describe('PostgreSQL topology messages', () => {
  const topology = {
    cluster: 'main',
    epoch: 3,
    primary: { name: 'replica1', host: '127.0.0.1', port: 5433 },
    replicas: [{ name: 'primary', host: '127.0.0.1', port: 5432 }],
    updatedAt: '2026-01-01T00:00:00Z',
  };
  it('accepts the published shape and refuses anything else', () => {
    assert.deepEqual(parseTopology(JSON.stringify(topology)), topology);
    assert.equal(parseTopology('{"cluster":"main"}'), undefined);
    assert.equal(parseTopology('not json'), undefined);
    assert.equal(parseTopology(JSON.stringify({ ...topology, epoch: -1 })), undefined);
  });
  it('applies only a strictly newer epoch of the same cluster', () => {
    assert.equal(isNewerTopology(undefined, topology, 'main'), true);
    assert.equal(isNewerTopology(topology, { ...topology, epoch: 3 }, 'main'), false);
    assert.equal(isNewerTopology(topology, { ...topology, epoch: 2 }, 'main'), false);
    assert.equal(isNewerTopology(topology, { ...topology, epoch: 4 }, 'main'), true);
    assert.equal(isNewerTopology(topology, { ...topology, cluster: 'other', epoch: 9 }, 'main'), false);
  });
});

describe('instance settings', () => {
  const minimal = { PORT: '3101', INSTANCE_ID: 'jarvis-app-1', REDIS_APP_PASSWORD: 'redis-secret', ADMIN_TOKEN: 'a'.repeat(32) };
  it('has defaults for everything but the port, the id and the secrets', () => {
    const s = parseAppSettings(minimal);
    assert.equal(s.service, 'jarvis-app');
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.redisNodes.length, 6);
    assert.equal(s.databaseUrl, 'postgres://jarvis@127.0.0.1:5432/jarvis');
  });
  it('reads secrets from JARVIS_SECRETS_FILE when the environment lacks them, the environment winning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-secrets-'));
    const file = path.join(dir, 'secrets.env');
    writeFileSync(file, `# comment\nREDIS_APP_PASSWORD=from-file\nADMIN_TOKEN=${'f'.repeat(20)}\nPG_APP_PASSWORD=pg-from-file\n`);
    const s = parseAppSettings({ PORT: '1', INSTANCE_ID: 'x', JARVIS_SECRETS_FILE: file, REDIS_APP_PASSWORD: 'from-env' });
    assert.equal(s.redisPassword, 'from-env');
    assert.equal(s.redisUsername, 'jarvis-app');
    assert.equal(s.adminToken, 'f'.repeat(20));
    assert.equal(s.pgPassword, 'pg-from-file');
  });
  it('takes its port from APP_BASE_PORT + INSTANCE_SLOT when PORT is not set (a Swarm replica)', () => {
    const { PORT: _port, ...withoutPort } = minimal;
    assert.equal(parseAppSettings({ ...withoutPort, APP_BASE_PORT: '3700', INSTANCE_SLOT: '4' }).port, 3704);
    assert.equal(parseAppSettings({ ...minimal, APP_BASE_PORT: '3700', INSTANCE_SLOT: '4' }).port, 3101, 'PORT wins');
    assert.throws(
      () => parseAppSettings({ ...withoutPort, APP_BASE_PORT: '3700', INSTANCE_SLOT: '0' }),
      /INSTANCE_SLOT \(0\) must be whole numbers, the slot at least 1/,
    );
  });
  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: '0' }, /PORT/],
    [{ HOST: '10.0.0.300' }, /HOST: must be a hostname .* \(got "10\.0\.0\.300"\)/],
    [{ REDIS_CLUSTER_NODES: 'redis-1' }, /REDIS_CLUSTER_NODES: must be host:port,…: "redis-1" has no port/],
    [{ INSTANCE_ID: 'Jarvis_1' }, /INSTANCE_ID: must be lowercase letters, digits and dashes/],
    [{ REDIS_APP_PASSWORD: '' }, /REDIS_APP_PASSWORD: must be set/],
    [{ HEARTBEAT_INTERVAL_MS: '20000' }, /HEARTBEAT_INTERVAL_MS \(20000\) must be shorter than REGISTRY_TTL_SECONDS \(15 s\)/],
    [{ READ_REPLICA_2_URL: 'postgres://127.0.0.1:5434' }, /READ_REPLICA_2_URL: must be a URL like .*names no database/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => assert.throws(() => parseAppSettings({ ...minimal, ...env }), message));
  }
  it('never shows a secret value in its message', () => {
    assert.throws(
      () => parseAppSettings({ ...minimal, ADMIN_TOKEN: 'tooshort-secret' }),
      (error: Error) => /ADMIN_TOKEN/.test(error.message) && !error.message.includes('tooshort-secret'),
    );
  });
});

describe('what the control plane hands each instance', () => {
  it('derives Redis and PostgreSQL addresses from the stack’s port variables, and names the secrets file', async () => {
    const { readWorkerConfig } = await import('../../config/worker-config');
    const { launchSettings } = await import('../../activities');
    const { instanceEnvironment } = await import('../../activities/scaling/orchestrator');
    const config = readWorkerConfig({
      JARVIS_STATE_DIR: '/state',
      REDIS_BASE_PORT: '7300',
      PG_PRIMARY_PORT: '5462',
      PG_REPLICA1_PORT: '5463',
      PG_REPLICA2_PORT: '5464',
    });
    const env = instanceEnvironment({ service: 'jarvis-app', name: 'jarvis-app-1', port: 3101, version: 'v1' }, launchSettings(config));
    assert.equal(env.REDIS_CLUSTER_NODES, '127.0.0.1:7300,127.0.0.1:7301,127.0.0.1:7302,127.0.0.1:7303,127.0.0.1:7304,127.0.0.1:7305');
    assert.equal(env.DATABASE_URL, 'postgresql://jarvis@127.0.0.1:5462/jarvis');
    assert.equal(env.READ_REPLICA_1_URL, 'postgresql://jarvis@127.0.0.1:5463/jarvis');
    assert.equal(env.READ_REPLICA_2_URL, 'postgresql://jarvis@127.0.0.1:5464/jarvis');
    assert.equal(env.JARVIS_SECRETS_FILE, '/state/app-secrets.env');
    // No secret travels as a plain variable: the instance reads them from the mounted file.
    assert.ok(!Object.keys(env).some((k) => /PASSWORD|TOKEN/.test(k)));
  });

  it('strips a password from DATABASE_URL before an instance sees it', async () => {
    const { readWorkerConfig } = await import('../../config/worker-config');
    const config = readWorkerConfig({ DATABASE_URL: 'postgresql://jarvis:s3cret@127.0.0.1:5432/jarvis' });
    assert.equal(config.databaseUrl, 'postgresql://jarvis@127.0.0.1:5432/jarvis');
  });
});
