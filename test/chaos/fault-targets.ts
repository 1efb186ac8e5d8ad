// Finding and killing the victims of platform faults, read from the process table and the
// stack's pid files (never through the code under test): PostgreSQL postmasters, a running
// pg_rewind, Redis nodes, app instances, nginx's master and workers.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PG_NAMES, pgNameOfPort, postmasterPid, type PgName } from '../../testkit/pg-cluster';
import { repoRoot, stateDir } from '../../testkit/stack';
import { sleep } from './invariants/types';

const run = promisify(execFile);

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL, then wait (bounded) until the process is gone. */
export async function sigkill(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
}

function cmdline(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d));

/** A pg_rewind of this stack running now: the server it rewinds and the one it reads from. */
export function runningRewind(): { rewound: PgName; source?: PgName } | undefined {
  const dataRoot = process.env.PG_DATA_ROOT ?? path.join(stateDir, 'postgres');
  for (const pid of pids()) {
    const args = cmdline(pid);
    if (!args[0]?.endsWith('pg_rewind')) continue;
    const target = args[args.indexOf('--target-pgdata') + 1] ?? '';
    if (path.dirname(target) !== dataRoot) continue;
    const port = /port=(\d+)/.exec(args[args.indexOf('--source-server') + 1] ?? '')?.[1];
    return { rewound: path.basename(target) as PgName, source: port ? pgNameOfPort(Number(port)) : undefined };
  }
  return undefined;
}

export async function killPostgres(name: PgName): Promise<string> {
  const pid = postmasterPid(name);
  await sigkill(pid);
  return `${name} (postmaster pid ${pid})`;
}

/** The names other than these, in order. */
export const otherPgNames = (...names: (PgName | undefined)[]): PgName[] => PG_NAMES.filter((n) => !names.includes(n));

export function redisPid(port: number): number {
  return Number(readFileSync(path.join(stateDir, 'redis', String(port), 'redis.pid'), 'utf8').trim());
}

/** Starts a killed node again with its own nodes.conf, so it rejoins the cluster (as a replica of whoever took over). */
export async function restartRedisNode(port: number): Promise<void> {
  await run('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), 'start-node', String(port)], {
    cwd: repoRoot,
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeout: 60_000,
  });
}

const nginxPidFile = () => path.join(stateDir, 'nginx', 'nginx.pid');

/** nginx's master and its workers (a killed master leaves its workers holding the port). */
function nginxProcesses(): number[] {
  const master = Number(readFileSync(nginxPidFile(), 'utf8').trim());
  const workers = pids().filter((pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === master;
    } catch {
      return false;
    }
  });
  return [master, ...workers.map(Number)];
}

/** SIGKILL of nginx (master and workers), then a start through the stack's own script. */
export async function restartNginx(): Promise<{ victim: string; killedAt: number; downMs: number }> {
  const began = Date.now();
  const victims = nginxProcesses();
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  for (const pid of victims) for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  await run('bash', [path.join(repoRoot, 'infra', 'nginx', 'nginx.sh'), 'start'], {
    cwd: repoRoot,
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeout: 30_000,
  });
  return { victim: `nginx (pids ${victims.join(', ')})`, killedAt: began, downMs: Date.now() - began };
}
