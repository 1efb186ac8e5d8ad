// Where each PostgreSQL server of the cluster lives (PG_*_HOST and PG_*_PORT: servers are
// told apart by name, so three hosts may share one port), and the two ways the
// activities reach it: SQL over TCP as the superuser, and the server binaries run as
// the postgres user. Shared by the postgres-*.ts activity files.
//
// Heartbeats come from progress only (a tool's output, an answered poll, a moving LSN),
// never from a timer: a hung pg_rewind stops heartbeating and is noticed within the
// heartbeat timeout. A cancelled activity ends its waits and kills its tools.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { PgSettings } from '../../config/worker-config';
import { PG_SERVER_NAMES, type PgServerName } from '../../policy/postgres/pg-cluster';
import { activityCancellation, heartbeatProgress } from '../common/cancellation';

export interface PgServer {
  name: PgServerName;
  host: string;
  port: number;
  dataDir: string;
  /** Its own unix socket folder (infra/postgres/lib.sh node_socket_dir): servers may share a port. */
  socketDir: string;
  logFile: string;
}

export function pgServers(settings: PgSettings): PgServer[] {
  return PG_SERVER_NAMES.map((name) => ({
    name,
    host: settings.hosts[name],
    port: settings.ports[name],
    dataDir: path.join(settings.dataRoot, name),
    socketDir: path.join(settings.socketDir, name),
    logFile: path.join(settings.logDir, `postgres-${name}.log`),
  }));
}

export function pgServer(settings: PgSettings, name: string): PgServer {
  const found = pgServers(settings).find((s) => s.name === name);
  if (!found) throw new Error(`unknown PostgreSQL server ${JSON.stringify(name)}; expected one of ${PG_SERVER_NAMES.join(', ')}`);
  return found;
}

/** jarvis-node.conf, as infra/postgres/config-files.sh write_config writes it: what is this server's own. */
export function nodeConfText(server: PgServer): string {
  return [
    '# Managed by infra/postgres/*.sh: settings of this server only.',
    `listen_addresses = '${server.host}'`,
    `unix_socket_directories = '${server.socketDir}'`,
    `port = ${server.port}`,
    `cluster_name = '${server.name}'`,
    '',
  ].join('\n');
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

/** How long a tool gets to end after SIGTERM (on cancel or timeout) before its whole process group is killed. */
const KILL_GRACE_MS = 3_000;
const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * Runs a PostgreSQL binary as the postgres user (the server refuses root), from `/`, with an
 * argument array. Every chunk of output is progress (`onOutput`, and a heartbeat). A cancel of
 * the activity or the timeout sends SIGTERM (runuser passes it on), then SIGKILL to the group.
 */
export function runAsPostgres(
  settings: PgSettings,
  binary: string,
  args: string[],
  options: { timeoutMs: number; env?: Record<string, string>; onOutput?: (text: string) => void },
): Promise<CommandResult> {
  const envArgs = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const argv = ['-u', 'postgres', '--', 'env', ...envArgs, path.join(settings.bin, binary), ...args];
  const cancel = activityCancellation();
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', argv, {
      cwd: '/',
      signal: cancel,
      killSignal: 'SIGTERM',
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      if (out[stream].length < MAX_OUTPUT) out[stream] += text;
      options.onOutput?.(text);
      heartbeatProgress({ tool: binary, bytes: out.stdout.length + out.stderr.length });
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    let escalation: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, 'SIGTERM');
      escalation ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(stop, options.timeoutMs);
    cancel?.addEventListener('abort', stop, { once: true });
    child.on('error', () => undefined); // an abort is reported below, once the tool has ended
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(escalation);
      cancel?.removeEventListener('abort', stop);
      if (cancel?.aborted) return reject(cancel.reason);
      resolve({ code: code ?? (signal ? 128 : 1), ...out });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
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
