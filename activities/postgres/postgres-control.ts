// Role changes on the running servers: fence, promote, re-point, restore synchronous
// replication, wait for a switchover target to catch up. Each reads the current state
// first and does nothing when the server already is where the step wants it, so a
// retried or resumed step is safe.
import { Context } from '@temporalio/activity';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkerConfig } from '../../config/worker-config';
import type { FenceRecord } from '../../contracts/postgres';
import { lsnToBigInt, SYNC_STANDBY_NAMES } from '../../policy/postgres/pg-cluster';
import { FailureType, permanentFailure } from '../common/errors';
import {
  livePostmasterPid,
  pgServer,
  pgServers,
  primaryConninfo,
  runAsPostgres,
  sleep,
  withHeartbeats,
  withSuperuser,
  type PgServer,
} from './postgres-servers';

export interface FenceRequest {
  name: string;
  mode: 'failover' | 'clean';
}

/** What fencing did, for the workflow's history and the operator. */
async function waitPostmasterGone(server: PgServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await livePostmasterPid(server)) === null) return true;
    await sleep(100);
  }
  return (await livePostmasterPid(server)) === null;
}

/** Stops a server: fast (clean, sends all WAL to the standbys), then immediate, then SIGKILL. */
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

export function createPgControlActivities(config: WorkerConfig) {
  const settings = config.postgres;
  return withHeartbeats({
    async fencePgServer(request: FenceRequest): Promise<FenceRecord> {
      const old = pgServer(settings, request.name);
      const stop = await stopServer(config, old, request.mode === 'failover', request.mode === 'failover' ? 3 : 30);
      if (request.mode === 'clean' && stop === 'not-stoppable') {
        throw permanentFailure(
          FailureType.PgServerUnreachable,
          `${old.name} did not stop cleanly; the switchover stops here with ${old.name} still the primary`,
        );
      }
      const standbySignal = await ensureStandbySignal(old);
      const detached: string[] = [];
      const unreachable: string[] = [];
      if (request.mode === 'failover') {
        // Whether or not the old primary is gone: no standby may follow it, so even if it
        // comes back it cannot acknowledge a write (quorum commit needs a standby).
        for (const standby of pgServers(settings).filter((s) => s.name !== old.name)) {
          try {
            await withSuperuser(settings, standby, async (client) => {
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
        }
      }
      return { name: old.name, stop, standbySignal, detached, unreachable };
    },

    async promotePgServer(name: string): Promise<{ name: string; alreadyPromoted: boolean; timeline: number }> {
      const server = pgServer(settings, name);
      return withSuperuser(
        settings,
        server,
        async (client) => {
          const before = await client.query('SELECT pg_is_in_recovery() AS r');
          const alreadyPromoted = before.rows[0].r === false;
          if (!alreadyPromoted) {
            const promoted = await client.query('SELECT pg_promote(true, 60) AS ok');
            if (promoted.rows[0].ok !== true) throw new Error(`pg_promote on ${name} did not finish within 60 s`);
          }
          const deadline = Date.now() + 30_000;
          for (;;) {
            const { rows } = await client.query(
              "SELECT pg_is_in_recovery() AS r, ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS tli",
            );
            if (rows[0].r === false) return { name, alreadyPromoted, timeline: Number(rows[0].tli) };
            if (Date.now() > deadline) throw new Error(`${name} still in recovery 30 s after pg_promote`);
            await sleep(100);
          }
        },
        5_000,
      ).catch((error: Error) => {
        if (/still in recovery|pg_promote/.test(error.message)) throw error;
        throw new Error(`promoting ${name}: ${error.message}`);
      });
    },

    /** Points a standby at `to` (ALTER SYSTEM SET primary_conninfo + reload) and waits until it streams from it. */
    async repointPgServer(request: {
      name: string;
      to: string;
      timeoutSeconds?: number;
    }): Promise<{ name: string; to: string; changed: boolean }> {
      const server = pgServer(settings, request.name);
      const upstream = pgServer(settings, request.to);
      const wanted = primaryConninfo(settings, server.name, upstream);
      const deadline = Date.now() + (request.timeoutSeconds ?? 30) * 1000;
      return withSuperuser(
        settings,
        server,
        async (client) => {
          const state = await client.query(
            "SELECT pg_is_in_recovery() AS r, current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot",
          );
          if (state.rows[0].r === false)
            throw permanentFailure(
              FailureType.PgPromotionFailed,
              `${server.name} accepts writes; it cannot be pointed at ${upstream.name}`,
            );
          let changed = false;
          if (state.rows[0].conninfo !== wanted || state.rows[0].slot !== '') {
            // No slot: slots do not move with a promotion; wal_keep_size covers a short gap.
            await client.query(`ALTER SYSTEM SET primary_conninfo = ${client.escapeLiteral(wanted)}`);
            await client.query("ALTER SYSTEM SET primary_slot_name = ''");
            await client.query('SELECT pg_reload_conf()');
            changed = true;
          }
          for (;;) {
            const { rows } = await client.query('SELECT status, sender_port FROM pg_stat_wal_receiver');
            if (rows[0]?.status === 'streaming' && Number(rows[0].sender_port) === upstream.port)
              return { name: server.name, to: upstream.name, changed };
            if (Date.now() > deadline)
              throw new Error(
                `${server.name} does not stream from ${upstream.name} ${request.timeoutSeconds ?? 30} s after re-pointing (receiver: ${JSON.stringify(rows[0] ?? null)})`,
              );
            Context.current().heartbeat();
            await sleep(100);
          }
        },
        5_000,
      );
    },

    /** synchronous_standby_names = ANY 1 (every server) on the primary, then waits for a quorum standby. */
    async restorePgSync(request: {
      name: string;
      timeoutSeconds?: number;
    }): Promise<{ name: string; changed: boolean; quorumStandbys: string[] }> {
      const server = pgServer(settings, request.name);
      const deadline = Date.now() + (request.timeoutSeconds ?? 60) * 1000;
      return withSuperuser(
        settings,
        server,
        async (client) => {
          const { rows } = await client.query('SELECT pg_is_in_recovery() AS r, current_setting($1) AS names', [
            'synchronous_standby_names',
          ]);
          if (rows[0].r) throw new Error(`${server.name} is in recovery; synchronous replication is restored on the primary only`);
          let changed = false;
          if (rows[0].names !== SYNC_STANDBY_NAMES) {
            await client.query(`ALTER SYSTEM SET synchronous_standby_names = ${client.escapeLiteral(SYNC_STANDBY_NAMES)}`);
            await client.query('SELECT pg_reload_conf()');
            changed = true;
          }
          for (;;) {
            const q = await client.query(
              "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('quorum', 'sync') ORDER BY 1",
            );
            if (q.rows.length > 0) return { name: server.name, changed, quorumStandbys: q.rows.map((r) => r.application_name as string) };
            if (Date.now() > deadline) throw new Error(`no standby streams in quorum from ${server.name} yet`);
            Context.current().heartbeat();
            await sleep(200);
          }
        },
        5_000,
      );
    },

    /**
     * Switchover: after `from` stopped cleanly, waits until `name` has replayed past its
     * shutdown checkpoint, so promoting it loses nothing.
     */
    async waitPgCaughtUp(request: {
      name: string;
      from: string;
      timeoutSeconds: number;
    }): Promise<{ name: string; shutdownCheckpoint: string; replayLsn: string }> {
      const from = pgServer(settings, request.from);
      const target = pgServer(settings, request.name);
      const control = await runAsPostgres(settings, 'pg_controldata', ['-D', from.dataDir], { timeoutMs: 10_000 });
      const state = /Database cluster state:\s+(.+)/.exec(control.stdout)?.[1]?.trim();
      const checkpoint = /Latest checkpoint location:\s+(\S+)/.exec(control.stdout)?.[1];
      if (control.code !== 0 || !checkpoint) throw new Error(`pg_controldata ${from.name} failed: ${control.stderr.trim()}`);
      if (state !== 'shut down')
        throw permanentFailure(
          FailureType.SwitchoverTargetNotReady,
          `${from.name} is "${state}", not cleanly shut down; its final WAL position is unknown`,
        );
      const deadline = Date.now() + request.timeoutSeconds * 1000;
      return withSuperuser(
        settings,
        target,
        async (client) => {
          for (;;) {
            const { rows } = await client.query('SELECT pg_is_in_recovery() AS r, pg_last_wal_replay_lsn()::text AS replay');
            const replay = rows[0].replay as string | null;
            if (rows[0].r === false) return { name: target.name, shutdownCheckpoint: checkpoint, replayLsn: 'promoted' };
            if (replay && lsnToBigInt(replay) > lsnToBigInt(checkpoint))
              return { name: target.name, shutdownCheckpoint: checkpoint, replayLsn: replay };
            if (Date.now() > deadline) {
              throw permanentFailure(
                FailureType.SwitchoverTargetNotReady,
                `${target.name} replayed up to ${replay}, not past ${from.name}'s shutdown checkpoint ${checkpoint}, within ${request.timeoutSeconds} s`,
              );
            }
            Context.current().heartbeat();
            await sleep(100);
          }
        },
        5_000,
      );
    },

    /** Undo of a clean fence when a switchover cannot go on: the old primary starts again as the primary. */
    async unfencePgServer(name: string): Promise<{ name: string; started: boolean }> {
      const server = pgServer(settings, name);
      if ((await livePostmasterPid(server)) !== null) return { name, started: false };
      await fs.rm(path.join(server.dataDir, 'standby.signal'), { force: true });
      const result = await runAsPostgres(settings, 'pg_ctl', ['-D', server.dataDir, '-l', server.logFile, '-w', '-t', '60', 'start'], {
        timeoutMs: 70_000,
      });
      if (result.code !== 0) throw new Error(`pg_ctl start ${name} failed: ${result.stderr.trim() || result.stdout.trim()}`);
      return { name, started: true };
    },
  });
}
