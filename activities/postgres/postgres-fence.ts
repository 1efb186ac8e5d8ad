// Fencing: stopping a primary so it can no longer acknowledge a write, and its undo when a
// switchover cannot go on. Each reads the current state first, so a retried step is safe.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkerConfig } from '../../config/worker-config';
import type { FenceRecord } from '../../contracts/postgres';
import { FailureType, permanentFailure } from '../common/errors';
import { heartbeatProgress as beat, pause as sleep } from '../common/cancellation';
import { livePostmasterPid, pgServer, pgServers, runAsPostgres, withSuperuser, type PgServer } from './postgres-servers';

export interface FenceRequest {
  name: string;
  mode: 'failover' | 'clean';
}

async function waitPostmasterGone(server: PgServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await livePostmasterPid(server)) === null) return true;
    beat({ phase: 'stop', postmaster: 'alive' });
    await sleep(100);
  }
  return (await livePostmasterPid(server)) === null;
}

/** Stops a server: fast (clean, sends all WAL to the standbys), then immediate, then SIGKILL. pg_ctl's dots are its progress. */
export async function stopServer(
  config: WorkerConfig,
  server: PgServer,
  allowKill: boolean,
  fastTimeoutSeconds = 15,
): Promise<FenceRecord['stop']> {
  const pid = await livePostmasterPid(server);
  if (pid === null) return 'already-stopped';
  const ctl = (mode: string, seconds: number) =>
    runAsPostgres(config.postgres, 'pg_ctl', ['-D', server.dataDir, '-m', mode, '-w', '-t', String(seconds), 'stop'], {
      timeoutMs: (seconds + 5) * 1000,
    });
  if ((await ctl('fast', fastTimeoutSeconds)).code === 0 && (await waitPostmasterGone(server, 1000))) return 'fast';
  if ((await ctl('immediate', 5)).code === 0 && (await waitPostmasterGone(server, 1000))) return 'immediate';
  if (!allowKill) return 'not-stoppable';
  // A hung (SIGSTOPped) postmaster never acts on pg_ctl's signals.
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  return (await waitPostmasterGone(server, 5000)) ? 'killed' : 'not-stoppable';
}

async function ensureStandbySignal(server: PgServer): Promise<boolean> {
  const file = path.join(server.dataDir, 'standby.signal');
  try {
    await fs.access(file);
    return true;
  } catch {
    const { uid, gid } = await fs.stat(server.dataDir);
    await fs.writeFile(file, '', { mode: 0o600 });
    await fs.chown(file, uid, gid);
    return true;
  }
}

/**
 * Whether or not the old primary is gone: no standby may follow it, so even if it comes
 * back it cannot acknowledge a write (quorum commit needs a standby).
 */
async function detachStandbys(config: WorkerConfig, old: PgServer): Promise<{ detached: string[]; unreachable: string[] }> {
  const detached: string[] = [];
  const unreachable: string[] = [];
  for (const standby of pgServers(config.postgres).filter((s) => s.name !== old.name)) {
    try {
      await withSuperuser(config.postgres, standby, async (client) => {
        const { rows } = await client.query('SELECT pg_is_in_recovery() AS r, current_setting($1) AS conninfo', ['primary_conninfo']);
        if (!rows[0].r) return; // a server already promoted follows nobody
        if (rows[0].conninfo !== '') {
          await client.query("ALTER SYSTEM SET primary_conninfo = ''");
          await client.query('SELECT pg_reload_conf()');
        }
        detached.push(standby.name);
      });
    } catch {
      unreachable.push(standby.name);
    }
    beat({ phase: 'detach', standby: standby.name });
  }
  return { detached, unreachable };
}

export async function fencePgServer(config: WorkerConfig, request: FenceRequest): Promise<FenceRecord> {
  const old = pgServer(config.postgres, request.name);
  const stop = await stopServer(config, old, request.mode === 'failover', request.mode === 'failover' ? 3 : 30);
  if (request.mode === 'clean' && stop === 'not-stoppable') {
    throw permanentFailure(
      FailureType.PgServerUnreachable,
      `${old.name} did not stop cleanly; the switchover stops here with ${old.name} still the primary`,
    );
  }
  const standbySignal = await ensureStandbySignal(old);
  const { detached, unreachable } = request.mode === 'failover' ? await detachStandbys(config, old) : { detached: [], unreachable: [] };
  return { name: old.name, stop, standbySignal, detached, unreachable };
}

/** Undo of a clean fence when a switchover cannot go on: the old primary starts again as the primary. */
export async function unfencePgServer(config: WorkerConfig, name: string): Promise<{ name: string; started: boolean }> {
  const server = pgServer(config.postgres, name);
  if ((await livePostmasterPid(server)) !== null) return { name, started: false };
  await fs.rm(path.join(server.dataDir, 'standby.signal'), { force: true });
  const result = await runAsPostgres(config.postgres, 'pg_ctl', ['-D', server.dataDir, '-l', server.logFile, '-w', '-t', '60', 'start'], {
    timeoutMs: 70_000,
  });
  if (result.code !== 0) throw new Error(`pg_ctl start ${name} failed: ${result.stderr.trim() || result.stdout.trim()}`);
  return { name, started: true };
}
