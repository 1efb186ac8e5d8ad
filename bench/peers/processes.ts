// Processes of the peers: each agent runs as the postgres user (like our stack's servers),
// detached in a session of its own, so "the node is lost" can SIGKILL the agent's whole
// process group, the postmaster and its children at once.
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Starts `argv` as the postgres user in a new session, its output appended to `log`; returns the group's id. */
export function spawnAsPostgres(argv: string[], log: string, env: string[] = []): number {
  const child = spawn('bash', ['-c', 'log="$1"; shift; exec runuser -u postgres -- env "$@" >>"$log" 2>&1', 'peer', log, ...env, ...argv], {
    cwd: '/',
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid!;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

/** SIGKILL of the postmaster only (its backends notice and exit; nothing else is touched). */
export async function killPostmaster(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (!pid) throw new Error(`no postmaster.pid in ${dataDir}: the server to kill is not running`);
  signal(pid, 'SIGKILL');
}

/** "The node is lost": the agent's process group, the postmaster and its children, all SIGKILLed together. */
export async function killNode(dataDir: string, agentGroup?: number): Promise<void> {
  const pid = await postmasterPid(dataDir);
  const children = pid ? await childrenOf(pid) : [];
  if (agentGroup) signal(-agentGroup, 'SIGKILL');
  if (pid) signal(pid, 'SIGKILL');
  for (const c of children) signal(c, 'SIGKILL');
}

/** Stops a group politely, then for good. */
export async function stopGroup(group: number, graceMs = 3000): Promise<void> {
  signal(-group, 'SIGTERM');
  await new Promise((r) => setTimeout(r, graceMs));
  signal(-group, 'SIGKILL');
}

/** Fast stop of a data folder's server, whatever started it. */
export async function pgStopImmediate(dataDir: string): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', dataDir, '-m', 'immediate', 'stop'], { cwd: '/' }).catch(
    () => undefined,
  );
}

/** A fresh folder owned by the postgres user (the folders above it stay root's, and reachable). */
export async function freshPostgresDir(dir: string): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await run('chown', ['-R', 'postgres:postgres', dir]);
}
