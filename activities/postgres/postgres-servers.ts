// Where each PostgreSQL server of the local cluster lives, and the two ways the
// activities reach it: SQL over TCP as the superuser, and the server binaries run as
// the postgres user. Shared by the postgres-*.ts activity files.
import { Context } from '@temporalio/activity';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { PgSettings } from '../../config/worker-config';
import { PG_SERVER_NAMES, type PgServerName } from '../../policy/postgres/pg-cluster';

export const PG_HOST = '127.0.0.1';

export interface PgServer {
  name: PgServerName;
  host: string;
  port: number;
  dataDir: string;
  logFile: string;
}

export function pgServers(settings: PgSettings): PgServer[] {
  return PG_SERVER_NAMES.map((name) => ({
    name,
    host: PG_HOST,
    port: settings.ports[name],
    dataDir: path.join(settings.dataRoot, name),
    logFile: path.join(settings.logDir, `postgres-${name}.log`),
  }));
}

export function pgServer(settings: PgSettings, name: string): PgServer {
  const found = pgServers(settings).find((s) => s.name === name);
  if (!found) throw new Error(`unknown PostgreSQL server ${JSON.stringify(name)}; expected one of ${PG_SERVER_NAMES.join(', ')}`);
  return found;
}

/** A connected superuser session; the caller ends it. Timeouts keep a hung server from hanging the activity. */
export async function connectSuperuser(settings: PgSettings, server: PgServer, timeoutMs = settings.probeTimeoutMs): Promise<Client> {
  const client = new Client({
    host: server.host,
    port: server.port,
    user: 'postgres',
    password: settings.superuserPassword,
    database: 'postgres',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: Math.max(timeoutMs * 5, 5_000),
    application_name: 'jarvis-control-plane',
  });
  client.on('error', () => undefined); // a server that dies mid-session must not crash the worker
  try {
    await client.connect();
  } catch (error) {
    void client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Runs `fn` with a superuser session and always closes it (without waiting on a hung server). */
export async function withSuperuser<T>(
  settings: PgSettings,
  server: PgServer,
  fn: (client: Client) => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  const client = await connectSuperuser(settings, server, timeoutMs);
  try {
    return await fn(client);
  } finally {
    void client.end().catch(() => undefined);
  }
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a PostgreSQL binary as the postgres user (the server refuses root), from `/`, with an argument array. */
export function runAsPostgres(
  settings: PgSettings,
  binary: string,
  args: string[],
  options: { timeoutMs: number; env?: Record<string, string> },
): Promise<CommandResult> {
  const envArgs = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const argv = ['-u', 'postgres', '--', 'env', ...envArgs, path.join(settings.bin, binary), ...args];
  return new Promise((resolve) => {
    execFile(
      'runuser',
      argv,
      { cwd: '/', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as NodeJS.ErrnoException & { code?: unknown }).code === 'number'
            ? (error as unknown as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The postmaster's pid from postmaster.pid when that process is alive, else null. */
export async function livePostmasterPid(server: PgServer): Promise<number | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(server.dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.split(' ')[2] === 'Z' ? null : pid;
}

/** Pids of processes still using the data folder: server processes (cwd) or pg_rewind/pg_basebackup on it. */
export async function processesUsing(dataDir: string): Promise<number[]> {
  const found: number[] = [];
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => '');
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const tool = /pg_rewind|pg_basebackup/.test(cmdline) && cmdline.includes(dataDir);
    if (cwd === dataDir || tool) found.push(Number(entry));
  }
  return found;
}

/** Writes a file the postgres user owns (mode 600), through a rename. */
export async function writePostgresFile(file: string, content: string, ownerOf: string): Promise<void> {
  const { uid, gid } = await fs.stat(ownerOf);
  const tmp = `${file}.jarvis.tmp`;
  await fs.writeFile(tmp, content, { mode: 0o600 });
  await fs.chown(tmp, uid, gid);
  await fs.rename(tmp, file);
}

/** The primary_conninfo a standby named `name` uses to stream from `upstream`; the password stays in the passfile. */
export function primaryConninfo(settings: PgSettings, name: string, upstream: PgServer): string {
  const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `host=${upstream.host} port=${upstream.port} user=replicator passfile=${quote(settings.replicationPassfile)} application_name=${name}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wraps every activity so it heartbeats every 2 s while it runs: a worker that dies in
 * the middle of a long pg_ctl, pg_rewind or wait is noticed within the heartbeat timeout
 * and the step is retried on another worker, instead of waiting out startToClose.
 */
export function withHeartbeats<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const ctx = Context.current();
      const timer = setInterval(() => ctx.heartbeat(), 2_000);
      try {
        return await fn(...args);
      } finally {
        clearInterval(timer);
      }
    };
  }
  return wrapped as T;
}
