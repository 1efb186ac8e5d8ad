// The several-hosts stack for a test file: started fresh and stopped by the file, worker
// processes on their own metrics addresses, and which worker runs a given activity.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { findProcesses } from '../../activities/common/process-table';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';
import { script, scriptEnv, stateDir } from './several-hosts-env';

const run = promisify(execFile);

/** Runs the stack script of the several-hosts shape; its log goes into the failure message. */
export async function stack(command: 'services' | 'down'): Promise<void> {
  try {
    await run('bash', [script, command], { env: scriptEnv, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`several-hosts.sh ${command} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

/** A fresh stack: whatever an earlier, interrupted run left is stopped and its state deleted. */
export async function freshStack(): Promise<void> {
  await stack('down').catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
  await stack('services');
}

export interface HostWorker extends WorkerProcess {
  metricsHost: string;
}

/** A worker process whose metrics bind `metricsHost`; it also ensures the health router, as a deployed worker does. */
export async function startHostWorker(taskQueue: string, metricsHost: string): Promise<HostWorker> {
  const worker = await startWorkerProcess(taskQueue, {
    WORKER_METRICS_HOST: metricsHost,
    WORKER_METRICS_PORT: '9464',
    CREATE_SCHEDULES: 'true',
    AUTOSCALE_ENABLED: 'false',
    // The file drains one of three instances.
    MIN_INSTANCES: '1',
    HEALTH_ROUTER_ENABLED: 'true',
    // Long enough a health wait to kill a worker inside it.
    APP_STARTUP_DELAY_MS: '3000',
  });
  return Object.assign(worker, { metricsHost });
}

/** The worker that last started `activityType` for this workflow, waiting until one has. */
export async function workerRunning(handle: WorkflowHandle, activityType: string, workers: HostWorker[]): Promise<HostWorker> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const activity = pending.find((a) => a.activityType?.name === activityType && a.lastStartedTime);
    const identity = activity?.lastWorkerIdentity ?? '';
    const found = workers.find((w) => identity.startsWith(`${w.child.pid}@`));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no worker of ours started ${activityType} within 60 s`);
}

/** The server lines of the service's nginx upstream file, as nginx reads them. */
export async function upstreamServerLines(service = 'jarvis-app'): Promise<string[]> {
  const text = await readFile(path.join(stateDir, 'nginx', 'upstreams', `${service}.conf`), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('server '));
}

/** The first line of a pid file (a postmaster.pid too), when it is there. */
function pidIn(file: string): number[] {
  return existsSync(file) ? [Number(readFileSync(file, 'utf8').split('\n')[0])] : [];
}

/**
 * Every process of this stack but Temporal's dev server (which stays on 127.0.0.1 by design):
 * nginx, the Temporal front, Prometheus, the Redis nodes, the PostgreSQL postmasters, the app instances and the workers.
 */
async function stackPids(workers: HostWorker[]): Promise<number[]> {
  const dir = (...p: string[]) => path.join(stateDir, ...p);
  const instances = await findProcesses({ JARVIS_MANAGED_BY: 'jarvis-scale', JARVIS_STACK_ID: stateDir });
  return [
    ...pidIn(dir('nginx', 'nginx.pid')),
    ...pidIn(dir('temporal-front', 'nginx.pid')),
    ...pidIn(dir('prometheus', 'prometheus.pid')),
    ...(existsSync(dir('redis')) ? readdirSync(dir('redis')) : []).flatMap((node) => pidIn(dir('redis', node, 'redis.pid'))),
    ...['primary', 'replica1', 'replica2'].flatMap((name) => pidIn(dir('postgres', name, 'postmaster.pid'))),
    ...instances.map((p) => p.pid),
    ...workers.map((w) => w.child.pid ?? 0),
  ];
}

/**
 * The listening sockets of this stack's processes (from `ss -ltnp`), as "address:port (program)".
 * Other stacks on this machine may use 127.0.0.1 and the same ports: only our pids count.
 */
export async function stackListeners(workers: HostWorker[]): Promise<string[]> {
  const pids = new Set(await stackPids(workers));
  const { stdout } = await run('ss', ['-ltnpH']);
  return stdout
    .split('\n')
    .filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1]))))
    .map((line) => `${line.trim().split(/\s+/)[3]} (${/users:\(\("([^"]+)"/.exec(line)?.[1] ?? '?'})`);
}
