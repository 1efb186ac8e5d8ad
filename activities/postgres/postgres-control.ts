// Role changes on the running servers: promote, re-point, restore synchronous replication,
// wait for a switchover target to catch up (fencing is in postgres-fence.ts). Each reads the
// current state first and does nothing when the server already is where the step wants it,
// so a retried or resumed step is safe. Each poll that gets an answer is a heartbeat.
import { ApplicationFailure } from '@temporalio/common';
import type { WorkerConfig } from '../../config/worker-config';
import { lsnToBigInt, SYNC_STANDBY_NAMES } from '../../policy/postgres/pg-cluster';
import { FailureType, permanentFailure } from '../common/errors';
import type { FenceRecord } from '../../contracts/postgres';
import { fencePgServer, unfencePgServer, type FenceRequest } from './postgres-fence';
import { heartbeatProgress as beat, pause as sleep } from '../common/cancellation';
import { pgServer, primaryConninfo, runAsPostgres, withSuperuser } from './postgres-servers';

export type { FenceRecord, FenceRequest };

/** A step that did not finish yet; the activity's retry runs it again from the state it finds. */
const notYet = (message: string) => ApplicationFailure.retryable(message, FailureType.PgPromotionFailed);

async function promotePgServer(config: WorkerConfig, name: string): Promise<{ name: string; alreadyPromoted: boolean; timeline: number }> {
  const server = pgServer(config.postgres, name);
  const promote = async (client: import('pg').Client) => {
    const before = await client.query('SELECT pg_is_in_recovery() AS r');
    const alreadyPromoted = before.rows[0].r === false;
    // wait = false: the loop below waits, and heartbeats each answer it gets.
    if (!alreadyPromoted) await client.query('SELECT pg_promote(false)');
    const deadline = Date.now() + 60_000;
    for (;;) {
      // pg_current_wal_lsn() fails during recovery, so the timeline is read only once it is over.
      const { rows } = await client.query('SELECT pg_is_in_recovery() AS r');
      if (rows[0].r === false) {
        const tli = await client.query("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS tli");
        return { name, alreadyPromoted, timeline: Number(tli.rows[0].tli) };
      }
      if (Date.now() > deadline) throw notYet(`${name} still in recovery 60 s after pg_promote`);
      beat({ phase: 'promote', inRecovery: true });
      await sleep(100);
    }
  };
  try {
    return await withSuperuser(config.postgres, server, promote, 5_000);
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    throw notYet(`promoting ${name}: ${(error as Error).message}`);
  }
}

/** Points a standby at `to` (ALTER SYSTEM SET primary_conninfo + reload) and waits until it streams from it. */
async function repointPgServer(
  config: WorkerConfig,
  request: { name: string; to: string; timeoutSeconds?: number },
): Promise<{ name: string; to: string; changed: boolean }> {
  const server = pgServer(config.postgres, request.name);
  const upstream = pgServer(config.postgres, request.to);
  const wanted = primaryConninfo(config.postgres, server.name, upstream);
  const deadline = Date.now() + (request.timeoutSeconds ?? 30) * 1000;
  return withSuperuser(
    config.postgres,
    server,
    async (client) => {
      const state = await client.query(
        "SELECT pg_is_in_recovery() AS r, current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot",
      );
      if (state.rows[0].r === false)
        throw permanentFailure(FailureType.PgPromotionFailed, `${server.name} accepts writes; it cannot be pointed at ${upstream.name}`);
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
        beat({ phase: 'repoint', receiver: rows[0]?.status ?? null });
        await sleep(100);
      }
    },
    5_000,
  );
}

/** synchronous_standby_names = ANY 1 (every server) on the primary, then waits for a quorum standby. */
async function restorePgSync(
  config: WorkerConfig,
  request: { name: string; timeoutSeconds?: number },
): Promise<{ name: string; changed: boolean; quorumStandbys: string[] }> {
  const server = pgServer(config.postgres, request.name);
  const deadline = Date.now() + (request.timeoutSeconds ?? 60) * 1000;
  return withSuperuser(
    config.postgres,
    server,
    async (client) => {
      const { rows } = await client.query('SELECT pg_is_in_recovery() AS r, current_setting($1) AS names', ['synchronous_standby_names']);
      if (rows[0].r)
        throw permanentFailure(
          FailureType.PgPromotionFailed,
          `${server.name} is in recovery, so it is not the primary: synchronous replication is restored on the primary only; promote it first`,
        );
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
        beat({ phase: 'restore-sync', quorumStandbys: 0 });
        await sleep(200);
      }
    },
    5_000,
  );
}

/** The shutdown checkpoint of a cleanly stopped server (pg_controldata); a server not cleanly shut down has none. */
async function shutdownCheckpoint(config: WorkerConfig, name: string): Promise<string> {
  const from = pgServer(config.postgres, name);
  const control = await runAsPostgres(config.postgres, 'pg_controldata', ['-D', from.dataDir], { timeoutMs: 10_000 });
  const state = /^Database cluster state:\s+(.+)$/m.exec(control.stdout)?.[1]?.trim();
  const checkpoint = /^Latest checkpoint location:\s+(\S+)$/m.exec(control.stdout)?.[1];
  if (control.code !== 0 || !checkpoint) throw new Error(`pg_controldata ${from.name} failed: ${control.stderr.trim()}`);
  if (state !== 'shut down')
    throw permanentFailure(
      FailureType.SwitchoverTargetNotReady,
      `${from.name} is "${state}", not cleanly shut down; its final WAL position is unknown`,
    );
  return checkpoint;
}

/**
 * Switchover: after `from` stopped cleanly, waits until `name` has replayed past its
 * shutdown checkpoint, so promoting it loses nothing. Its replay LSN is the progress.
 */
async function waitPgCaughtUp(
  config: WorkerConfig,
  request: { name: string; from: string; timeoutSeconds: number },
): Promise<{ name: string; shutdownCheckpoint: string; replayLsn: string }> {
  const target = pgServer(config.postgres, request.name);
  const checkpoint = await shutdownCheckpoint(config, request.from);
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  return withSuperuser(
    config.postgres,
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
            `${target.name} replayed up to ${replay}, not past ${request.from}'s shutdown checkpoint ${checkpoint}, within ${request.timeoutSeconds} s`,
          );
        }
        beat({ phase: 'catch-up', replayLsn: replay });
        await sleep(100);
      }
    },
    5_000,
  );
}

export function createPgControlActivities(config: WorkerConfig) {
  return {
    fencePgServer: (request: FenceRequest): Promise<FenceRecord> => fencePgServer(config, request),
    promotePgServer: (name: string) => promotePgServer(config, name),
    repointPgServer: (request: { name: string; to: string; timeoutSeconds?: number }) => repointPgServer(config, request),
    restorePgSync: (request: { name: string; timeoutSeconds?: number }) => restorePgSync(config, request),
    waitPgCaughtUp: (request: { name: string; from: string; timeoutSeconds: number }) => waitPgCaughtUp(config, request),
    unfencePgServer: (name: string) => unfencePgServer(config, name),
  };
}
