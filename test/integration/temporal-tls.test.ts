// Issue 13, item 2: the control plane reaches Temporal the way Temporal users do. A TLS-terminating
// gRPC proxy (nginx, `ssl_verify_client on`, an API key checked on every call, certificates made
// here with openssl; testkit/temporal-tls-proxy.ts) stands in front of the test stack's dev server
// on TEMPORAL_PORT + 1. Through it, in a namespace of its own, the `temporal` CLI, the real worker
// process, `jarvis-scale` and the admin API each do their part, as docs/temporal-external.md
// writes it; and every bad setting stops the worker at start, naming the setting.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client, type Connection } from '@temporalio/client';
import { startAdminApi } from '../../admin-api/main';
import { connectTemporalClient, TemporalSettingError } from '../../config/temporal-connect';
import { readTemporalSettings } from '../../config/temporal-settings';
import { autoscaleScheduleId } from '../../contracts/scaling';
import { cliBinDir } from '../../testkit/cli';
import { docsBlock, temporalCliDir } from '../../testkit/docs-recipes';
import { listContainers, resetPlatform, SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { repoRoot, stateDir, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { startTlsProxy, type TlsProxy } from '../../testkit/temporal-tls-proxy';
import { startWorkerProcess } from '../../testkit/workers';
import { temporalBadCases } from './temporal-tls-cases';

const run = promisify(execFile);
const STACK_TRACE = /\n\s+at .*(\.js|\.ts):\d+/;
const PAGE = 'temporal-external.md';
// A namespace of this run's own: a namespace cannot be dropped at once, and the recipe creates it.
const NAMESPACE = `jarvis-ext-${Date.now().toString(36)}`;

/** What a shell reader of the page would have: the CLIs on PATH, the stack's state folder, no Temporal setting of the stack's. */
function readerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JARVIS_STATE_DIR: stateDir,
    PATH: `${cliBinDir()}:${temporalCliDir()}:${process.env.PATH}`,
  };
  for (const name of Object.keys(env)) if (name.startsWith('TEMPORAL_') && name !== 'TEMPORAL_PORT') delete env[name];
  return { ...env, ...extra };
}

/** The page's block with the test's address, namespace and folder in place of the examples. */
function onThisStack(proxy: TlsProxy, block: string): string {
  return block
    .replaceAll('temporal.example.com:7233', proxy.address)
    .replaceAll('jarvis-prod', NAMESPACE)
    .replaceAll('/etc/jarvis/', `${proxy.dir}/etc/`);
}

async function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return run('bash', ['-euo', 'pipefail', '-c', script], { env, cwd: repoRoot, timeout: 120_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

async function exitOf(file: string, args: string[], env: NodeJS.ProcessEnv) {
  return run(process.execPath, [file, ...args], { env, timeout: 60_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

describe('Temporal through a TLS proxy with mTLS and an API key, in a namespace of its own', () => {
  let proxy: TlsProxy;
  let good: Record<string, string>;
  let direct: { client: Client; connection: Connection };
  let viaProxy: Connection | undefined;
  const secrets = () => [proxy.apiKey, readFileSync(proxy.files.clientKey, 'utf8').split('\n')[1]];

  before(async () => {
    direct = await temporalClient();
    await resetPlatform(direct.client);
    proxy = await startTlsProxy(ports.temporal + 1, `127.0.0.1:${ports.temporal}`);
    // The files under the names the page uses.
    mkdirSync(path.join(proxy.dir, 'etc', 'temporal'), { recursive: true });
    const etc = (name: string) => path.join(proxy.dir, 'etc', 'temporal', name);
    copyFileSync(proxy.files.serverCa, etc('ca.pem'));
    copyFileSync(proxy.files.clientCert, etc('client.pem'));
    copyFileSync(proxy.files.clientKey, etc('client.key'));
    writeFileSync(etc('api-key'), proxy.apiKey, { mode: 0o600 });
    writeFileSync(path.join(proxy.dir, 'etc', 'temporal.toml'), onThisStack(proxy, docsBlock(PAGE, 'ext-temporal-profile', 'toml')));
    good = {
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: etc('ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: etc('client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: etc('client.key'),
      TEMPORAL_API_KEY: proxy.apiKey,
    };
  });

  after(async () => {
    if (viaProxy) {
      const client = new Client({ connection: viaProxy, namespace: NAMESPACE });
      await client.schedule
        .getHandle(autoscaleScheduleId(SERVICE))
        .delete()
        .catch(() => undefined);
      await resetPlatform(client);
      await viaProxy.close();
    }
    await resetPlatform(direct.client);
    await direct.connection.close();
    await proxy?.stop();
  });

  it('creates the namespace and its search attributes with the temporal CLI, as the page writes it', async () => {
    const script = [docsBlock(PAGE, 'ext-temporal-env'), docsBlock(PAGE, 'ext-temporal-namespace')]
      .map((b) => onThisStack(proxy, b))
      .join('\n');
    const result = await bash(script, readerEnv());
    assert.equal(result.code, 0, result.out);
    // The frontend's namespace cache takes a moment to hear of a new namespace.
    const settings = readTemporalSettings(good);
    const deadline = Date.now() + 30_000;
    while (!viaProxy) {
      viaProxy = await connectTemporalClient(settings).catch((error: Error) => {
        if (Date.now() > deadline) throw error;
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 500));
      });
    }
    const attributes = await viaProxy.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    assert.deepEqual(
      Object.keys(attributes.customAttributes ?? {})
        .filter((k) => ['Service', 'Operation'].includes(k))
        .sort(),
      ['Operation', 'Service'],
    );
  });

  describe('each bad setting stops the worker at start, naming the setting', { concurrency: 3 }, () => {
    for (const c of temporalBadCases)
      it(`${c.name}: names ${c.variable}`, async () => {
        const env = {
          ...readerEnv(c.env(good, proxy)),
          CREATE_SCHEDULES: 'true',
          AUTOSCALE_ENABLED: 'false',
          HEALTH_ROUTER_ENABLED: 'false',
        };
        Object.assign(env, { PG_MONITOR_ENABLED: 'false', WORKER_METRICS_PORT: '0' });
        const result = await exitOf(path.join(repoRoot, 'dist', 'workers', 'main.js'), [], env);
        assert.equal(result.code, c.exitCode ?? 2, result.out);
        assert.match(result.out, new RegExp(c.variable));
        assert.match(result.out, c.message);
        assert.doesNotMatch(result.out, STACK_TRACE, 'no stack trace');
        assert.doesNotMatch(result.out, /worker ready/);
        for (const secret of secrets()) assert.ok(!result.out.includes(secret), 'neither the API key nor the client key is printed');
        if (!c.cli) return;
        const cli = await exitOf(path.join(repoRoot, 'dist', 'cli', 'main.js'), ['status'], readerEnv(c.env(good, proxy)));
        assert.equal(cli.code, 2, cli.out);
        assert.match(cli.out, c.message);
        assert.match(cli.out, new RegExp(`fix: check ${c.variable}`));
        for (const secret of secrets()) assert.ok(!cli.out.includes(secret), 'jarvis-scale prints no secret');
      });

    it('and none of them started anything', async () => {
      const client = new Client({ connection: viaProxy as Connection, namespace: NAMESPACE });
      await assert.rejects(client.schedule.getHandle(autoscaleScheduleId(SERVICE)).describe(), /not found/i);
      assert.deepEqual(await listContainers(), []);
    });
  });

  it('runs an operation with the temporal CLI, the worker and jarvis-scale, all through the proxy', async () => {
    const worker = await startWorkerProcess('jarvis-scaling', {
      ...good,
      CREATE_SCHEDULES: 'true',
      AUTOSCALE_ENABLED: 'false',
      HEALTH_ROUTER_ENABLED: 'false',
    });
    try {
      assert.match(
        worker.output(),
        new RegExp(
          `worker ready: task queue jarvis-scaling on ${proxy.address}, namespace ${NAMESPACE}, TLS \\(own CA\\) with a client certificate, API key`,
        ),
      );
      const client = new Client({ connection: viaProxy as Connection, namespace: NAMESPACE });
      const schedule = await client.schedule.getHandle(autoscaleScheduleId(SERVICE)).describe();
      assert.equal(schedule.state.paused, true, 'the Schedule is in the namespace, paused as AUTOSCALE_ENABLED=false asks');

      const script = [docsBlock(PAGE, 'ext-temporal-env'), docsBlock(PAGE, 'ext-temporal-operation')]
        .map((b) => onThisStack(proxy, b))
        .join('\n');
      const result = await bash(script, readerEnv());
      assert.equal(result.code, 0, result.out);
      assert.match(result.out, /scaleUp\s+jarvis-app\s+success[\s\S]*scaleUp\s+jarvis-app\s+success/, 'the history lists both');
      assert.deepEqual(
        (await listContainers()).map((c) => c.name),
        ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3'],
      );
      const types: string[] = [];
      for await (const wf of client.workflow.list({ query: `Service = "${SERVICE}"` })) types.push(`${wf.type}:${wf.status.name}`);
      assert.deepEqual(types.sort(), ['scaleTo:CONTINUED_AS_NEW', 'scaleUp:COMPLETED', 'scaleUp:COMPLETED']);
      for (const secret of secrets()) assert.ok(!worker.output().includes(secret), 'the worker logs no secret');
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  it('reads the TOML profile of the page, and the admin API answers through the proxy', async () => {
    const env = readerEnv({
      TEMPORAL_CONFIG_FILE: path.join(proxy.dir, 'etc', 'temporal.toml'),
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_API_KEY: proxy.apiKey,
    });
    const history = await exitOf(path.join(repoRoot, 'dist', 'cli', 'main.js'), ['history', '--service', SERVICE], env);
    assert.equal(history.code, 0, history.out);
    assert.match(history.out, /scaleUp\s+jarvis-app\s+success/);

    const api = await startAdminApi(testWorkerConfig({ ...good, ADMIN_API_PORT: '0' }), 0);
    try {
      const res = await fetch(`http://127.0.0.1:${api.port}/api/health`);
      assert.deepEqual([res.status, await res.json()], [200, { status: 'ok', temporal: 'reachable' }]);
    } finally {
      await api.close();
    }
    await assert.rejects(
      startAdminApi(testWorkerConfig({ ...good, TEMPORAL_API_KEY: 'jarvis-wrong-key-00000000000000000000' }), 0),
      (e: Error) => e instanceof TemporalSettingError && /refused the API key in TEMPORAL_API_KEY/.test(e.message),
    );
  });
});
