// App instances as child processes (`node dist/app/server.js`), put behind the stack's
// nginx with the same activities the control plane uses, for the instance-side tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { createInstanceRegistry } from '../shared/instance-registry';
import { createNginxActivities, loadBalancerSettings } from '../activities/routing/nginx';
import { hosts, ports, redisNodes } from './ports';
import { repoRoot, stackSecrets, stateDir, testWorkerConfig } from './stack';

export const APP_SERVICE = 'jarvis-app';

export interface AppInstance {
  id: string;
  port: number;
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and waits (bounded) for the exit. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<AppInstance>();

/** The env every test instance gets: stack addresses, the secrets file, fast heartbeats. */
export function instanceEnv(n: number, overrides: Record<string, string> = {}): Record<string, string> {
  const config = testWorkerConfig();
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PORT: String(ports.appTestBase + n),
    HOST: '127.0.0.1',
    INSTANCE_ID: `app-test-${n}`,
    SERVICE_NAME: APP_SERVICE,
    APP_VERSION: 'v-test',
    STARTUP_DELAY_MS: '0',
    HEARTBEAT_INTERVAL_MS: '1000',
    REGISTRY_TTL_SECONDS: '5',
    REDIS_CLUSTER_NODES: config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(','),
    DATABASE_URL: config.databaseUrl,
    READ_REPLICA_1_URL: config.readReplicaUrls[0],
    READ_REPLICA_2_URL: config.readReplicaUrls[1],
    JARVIS_SECRETS_FILE: config.appSecretsFile,
    ...overrides,
  };
}

export function startInstance(n: number, overrides: Record<string, string> = {}): AppInstance {
  const env = instanceEnv(n, overrides);
  let output = '';
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'app', 'server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const instance: AppInstance = {
    id: env.INSTANCE_ID,
    port: Number(env.PORT),
    url: `http://127.0.0.1:${env.PORT}`,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM', timeoutMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        running.delete(instance);
      }
    },
  };
  running.add(instance);
  void exited.then(() => running.delete(instance));
  return instance;
}

/** Polls /api/health until 200, failing with the instance's output after timeoutMs. */
export async function waitReady(instance: AppInstance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not probed';
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null) throw new Error(`${instance.id} exited with ${instance.child.exitCode}:\n${instance.output()}`);
    try {
      const res = await fetch(`${instance.url}/api/health`, { signal: AbortSignal.timeout(1_000) });
      last = `HTTP ${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (error) {
      last = String((error as { cause?: unknown }).cause ?? error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${instance.id} not ready within ${timeoutMs} ms; last answer: ${last}\n${instance.output()}`);
}

export async function startReadyInstances(numbers: number[], overrides: Record<string, string> = {}): Promise<AppInstance[]> {
  const instances = numbers.map((n) => startInstance(n, overrides));
  await Promise.all(instances.map((i) => waitReady(i)));
  return instances;
}

function nginx() {
  const config = testWorkerConfig();
  return createNginxActivities(loadBalancerSettings(config));
}

/** nginx's worker processes now (children of the master named in nginx.pid). */
function nginxWorkers(): number[] {
  const master = Number(readFileSync(path.join(stateDir, 'nginx', 'nginx.pid'), 'utf8').trim());
  const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

/**
 * Applies an upstream change and waits until the workers that ran the old config have
 * exited: `nginx -s reload` returns before they stop, and a request they still accept is
 * routed by the old member list.
 */
async function changeNginx(change: () => Promise<{ reloaded: boolean }>): Promise<void> {
  // HAProxy applies a change in place (runtime API) before the activity returns: no old workers to wait for.
  if (testWorkerConfig().loadBalancer === 'haproxy') {
    await change();
    return;
  }
  const before = nginxWorkers();
  const { reloaded } = await change();
  if (!reloaded) return;
  await eventually(
    'nginx workers of the previous config exiting',
    async () => (before.some((pid) => existsSync(`/proc/${pid}`)) ? undefined : true),
    15_000,
    50,
  );
}

export async function addToNginx(instance: AppInstance): Promise<void> {
  await changeNginx(() => nginx().ensureUpstreamMember(APP_SERVICE, { name: instance.id, port: instance.port }));
}

export async function removeFromNginx(instance: AppInstance): Promise<void> {
  await changeNginx(() => nginx().removeUpstreamMember(APP_SERVICE, instance.id));
}

/** Starts the instances numbered `numbers`, puts them behind nginx and waits until nginx routes to each. */
export async function startInstancesBehindNginx(numbers: number[]): Promise<AppInstance[]> {
  const instances = await startReadyInstances(numbers);
  for (const i of instances) await addToNginx(i);
  await waitNginxServes(instances.map((i) => i.id));
  return instances;
}

export const nginxUrl = `http://${hosts.nginx}:${ports.nginx}`;

/**
 * Waits until nginx's reloaded workers route to exactly `expected` (instance ids): requests
 * without a cookie hash on a per-request id, so they reach every member.
 */
export async function waitNginxServes(expected: string[], timeoutMs = 15_000): Promise<void> {
  const want = [...expected].sort().join(',');
  let seen = '';
  await eventually(
    `nginx routing to ${want}`,
    async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${nginxUrl}/api/ping`, { headers: { connection: 'close' } });
        await res.arrayBuffer();
        if (res.status !== 200) return undefined;
        ids.add(res.headers.get('x-instance-id') ?? '?');
      }
      seen = [...ids].sort().join(',');
      return seen === want ? true : undefined;
    },
    timeoutMs,
    200,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}; last seen ${seen}`);
  });
}

/** Kills every instance this test file started and takes the test members out of nginx. */
export async function cleanUpInstances(): Promise<void> {
  await Promise.all([...running].map((i) => i.stop('SIGKILL', 5_000)));
  const lb = nginx();
  for (const member of await lb.listUpstreamMembers(APP_SERVICE)) {
    if (member.name.startsWith('app-test-')) await lb.removeUpstreamMember(APP_SERVICE, member.name);
  }
  // Killed instances leave records until their TTL; later test files must not count them.
  const redis = testRedis();
  try {
    const registry = createInstanceRegistry(redis, { service: APP_SERVICE });
    for (const record of await registry.getAllInstances()) if (record.id.startsWith('app-test-')) await registry.deregister(record.id);
  } finally {
    await redis.quit();
  }
}

/** A Redis Cluster connection of the test's own, like the control plane's. */
export function testRedis(): Cluster {
  return new Cluster(
    redisNodes.map((n) => ({ ...n })),
    { redisOptions: { password: stackSecrets().REDIS_PASSWORD } },
  );
}

export function adminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${stackSecrets().ADMIN_TOKEN}` };
}

/** Polls `check` until it returns a value that is not undefined, or fails with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export { once };
