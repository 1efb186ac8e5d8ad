// Every endpoint comes from configuration as a hostname or an address (issue 13): the syntax
// table, the start-up resolution check (with a stand-in resolver: a pure test), and where the
// configured hosts end up (instances' environment, nginx's server lines, probes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHost, parseHostPort, parseHostPortList, postgresUrlHost } from '../../shared/host-address';
import { unresolvedHosts } from '../../shared/host-resolution';
import { configuredHosts, requireResolvableHosts } from '../../config/endpoint-check';
import { ConfigError, readWorkerConfig } from '../../config/worker-config';
import { parseAppSettings } from '../../app/settings';
import { launchSettings } from '../../activities';
import { instanceEnvironment, instanceHost } from '../../activities/scaling/orchestrator';
import { renderUpstream } from '../../activities/routing/nginx-config';
import { renderScrapeTargets } from '../../activities/routing/scrape-targets';
import { guardHost } from '../../activities/common/name-guard';

describe('host syntax', () => {
  const hosts: Array<[string, boolean]> = [
    ['redis-1', true],
    ['db.example.com', true],
    ['jarvis_redis-1', true],
    ['127.0.2.3', true],
    ['0.0.0.0', true],
    ['[::1]', true],
    ['10.0.0.300', false],
    ['-redis', false],
    ['redis-', false],
    ['db host', false],
    ['a..b', false],
    ['', false],
    ['::1', false],
    ['redis;rm', false],
    ['x'.repeat(64), false],
  ];
  for (const [text, ok] of hosts) it(`${ok ? 'accepts' : 'refuses'} ${JSON.stringify(text)}`, () => assert.equal(isHost(text), ok));

  it('reads host:port and names what is missing or malformed', () => {
    assert.deepEqual(parseHostPort('redis-1:7000'), { host: 'redis-1', port: 7000 });
    assert.deepEqual(parseHostPort('[::1]:7000'), { host: '[::1]', port: 7000 });
    assert.match((parseHostPort('redis-1') as { problem: string }).problem, /"redis-1" has no port/);
    assert.match((parseHostPort('[::1]') as { problem: string }).problem, /has no port/);
    assert.match((parseHostPort('redis-1:70000') as { problem: string }).problem, /no valid port/);
    assert.match((parseHostPort('redis 1:7000') as { problem: string }).problem, /malformed host "redis 1"/);
    assert.match((parseHostPortList('redis-1:7000,,redis-2:7001') as { problem: string }).problem, /empty item/);
  });

  it('reads the host of a PostgreSQL URL without ever echoing the URL', () => {
    assert.deepEqual(postgresUrlHost('postgresql://jarvis:pw@pg-primary:5432/jarvis'), { host: 'pg-primary' });
    for (const bad of ['postgresql://jarvis:pw@/jarvis', 'mysql://jarvis:pw@db/jarvis', 'postgresql://jarvis:pw@db:5432', 'not a url pw']) {
      const result = postgresUrlHost(bad) as { problem: string };
      assert.ok(result.problem, bad);
      assert.ok(!result.problem.includes('pw'), result.problem);
    }
  });
});

describe('hostnames that do not resolve', () => {
  const lookup = async (host: string) => {
    if (host.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return { address: '127.0.0.1' };
  };

  it('names each setting whose host does not resolve, and looks no address up', async () => {
    const asked: string[] = [];
    const problems = await unresolvedHosts(
      [
        { setting: 'REDIS_CLUSTER_NODES', host: 'redis-9.invalid' },
        { setting: 'DATABASE_URL', host: '127.0.1.1' },
        { setting: 'PG_REPLICA1_HOST', host: 'pg-2' },
      ],
      async (h) => (asked.push(h), lookup(h)),
    );
    assert.deepEqual(problems, ['REDIS_CLUSTER_NODES: host "redis-9.invalid" does not resolve (ENOTFOUND)']);
    assert.deepEqual(asked, ['redis-9.invalid', 'pg-2']);
  });

  it('stops the worker with a ConfigError naming the setting', async () => {
    const config = readWorkerConfig({
      REDIS_CLUSTER_NODES: 'redis-1:7000',
      READ_REPLICA_2_URL: 'postgresql://jarvis@pg-3.invalid:5432/jarvis',
    });
    await assert.rejects(
      requireResolvableHosts(config, lookup),
      (e: Error) => e instanceof ConfigError && /READ_REPLICA_2_URL: host "pg-3\.invalid" does not resolve/.test(e.message),
    );
    await assert.doesNotReject(requireResolvableHosts(readWorkerConfig({}), lookup));
  });

  it('checks every endpoint the worker connects to', () => {
    const settings = configuredHosts(readWorkerConfig({})).map((h) => h.setting);
    for (const s of [
      'REDIS_CLUSTER_NODES',
      'DATABASE_URL',
      'READ_REPLICA_1_URL',
      'READ_REPLICA_2_URL',
      'PG_PRIMARY_HOST',
      'PG_REPLICA2_HOST',
    ]) {
      assert.ok(settings.includes(s), s);
    }
  });
});

describe('where configured hosts go', () => {
  const multi = {
    PG_PRIMARY_HOST: '127.0.1.1',
    PG_REPLICA1_HOST: '127.0.1.2',
    PG_REPLICA2_HOST: '127.0.1.3',
    PG_PRIMARY_PORT: '5432',
    PG_REPLICA1_PORT: '5432',
    PG_REPLICA2_PORT: '5432',
    REDIS_HOST: '127.0.2.{n}',
    REDIS_BASE_PORT: '7000',
    APP_INSTANCE_HOST: '127.0.3.{n}',
  };

  it('builds the URLs, the seeds and each instance’s HOST from the hosts, never from 127.0.0.1', () => {
    const config = readWorkerConfig(multi);
    assert.equal(config.databaseUrl, 'postgresql://jarvis@127.0.1.1:5432/jarvis');
    assert.deepEqual(config.readReplicaUrls, ['postgresql://jarvis@127.0.1.2:5432/jarvis', 'postgresql://jarvis@127.0.1.3:5432/jarvis']);
    assert.deepEqual(config.postgres.hosts, { primary: '127.0.1.1', replica1: '127.0.1.2', replica2: '127.0.1.3' });
    assert.deepEqual(
      config.redisClusterNodes.map((n) => `${n.host}:${n.port}`),
      ['127.0.2.1:7000', '127.0.2.2:7000', '127.0.2.3:7000', '127.0.2.4:7000', '127.0.2.5:7000', '127.0.2.6:7000'],
    );
    const env = instanceEnvironment({ service: 'jarvis-app', name: 'jarvis-app-4', port: 3104, version: 'v1' }, launchSettings(config));
    assert.equal(env.HOST, '127.0.3.4');
    assert.equal(env.REDIS_CLUSTER_NODES.split(',')[5], '127.0.2.6:7000');
    assert.equal(
      instanceHost(launchSettings(config), 'jarvis-app', 'jarvis-app-{{.Task.Slot}}', '{{.Task.Slot}}'),
      '127.0.3.{{.Task.Slot}}',
    );
  });

  it('puts each member’s reported host in nginx’s server lines and Prometheus’s targets', () => {
    const members = [
      { name: 'jarvis-app-1', host: '127.0.3.1', port: 3101 },
      { name: 'jarvis-app-2', port: 3102 }, // recorded before members had a host
    ];
    const upstream = renderUpstream('jarvis-app', members);
    assert.match(upstream, /server 127\.0\.3\.1:3101 max_fails/);
    assert.match(upstream, /server 127\.0\.0\.1:3102 max_fails/);
    assert.deepEqual(
      JSON.parse(renderScrapeTargets('jarvis-app', members)).map((g: { targets: string[] }) => g.targets[0]),
      ['127.0.3.1:3101', '127.0.0.1:3102'],
    );
  });

  it('refuses a host that could inject into nginx’s file, non-retryably', () => {
    assert.throws(() => guardHost('127.0.3.1; server evil:80'), /unsafe host/);
    assert.doesNotThrow(() => guardHost('app-3.internal'));
  });

  it('takes bind hosts for the admin API, the worker metrics and the app (0.0.0.0 allowed)', () => {
    const config = readWorkerConfig({ ADMIN_API_HOST: '0.0.0.0', WORKER_METRICS_HOST: '127.0.5.2' });
    assert.equal(config.adminApiHost, '0.0.0.0');
    assert.equal(config.workerMetricsHost, '127.0.5.2');
    const app = { PORT: '3101', INSTANCE_ID: 'jarvis-app-1', REDIS_APP_PASSWORD: 'x', ADMIN_TOKEN: 'a'.repeat(32) };
    assert.equal(parseAppSettings({ ...app, HOST: '0.0.0.0' }).host, '0.0.0.0');
    assert.deepEqual(parseAppSettings({ ...app, REDIS_CLUSTER_NODES: 'redis-1:7000,redis-2:7001' }).redisNodes[1], {
      host: 'redis-2',
      port: 7001,
    });
  });

  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ APP_INSTANCE_HOST: '0.0.0.0' }, /APP_INSTANCE_HOST must be an address the instances are reached at/],
    [{ APP_INSTANCE_HOST: '127.0.3.{x}' }, /APP_INSTANCE_HOST must be a hostname/],
    [{ REDIS_HOST: '127.0.2' + '.{n}.9' }, /REDIS_HOST must be a hostname/],
    [{ ADMIN_API_HOST: 'admin host' }, /ADMIN_API_HOST must be a hostname/],
    [{ WORKER_METRICS_HOST: '127.0.5.1:9464' }, /WORKER_METRICS_HOST must be a hostname/],
  ];
  for (const [env, message] of refused) {
    it(`refuses ${JSON.stringify(env)}, naming the setting`, () => {
      assert.throws(
        () => readWorkerConfig(env),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }
});
