// The PostgreSQL cluster as the HA tests see it, probed independently of the code under
// test: which servers accept writes, who streams from whom, killing and pausing servers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { commitNumberedRows, connectFirstWritable } from './numbered-writes';
import { hosts, ports } from './ports';
import { type TemporalSession, useTemporalSession } from './temporal-session';
import { stackSecrets, stateDir } from './stack';

// The failover runs and the monitor priming live in pg-failover-runs.ts; imported from here as before.
export { failoverStartedSince, primeMonitor, waitForFailoverRun } from './pg-failover-runs';

export const PG_NAMES = ['primary', 'replica1', 'replica2'] as const;
export type PgName = (typeof PG_NAMES)[number];

export const pgPort = (name: PgName): number =>
  ({ primary: ports.pgPrimary, replica1: ports.pgReplica1, replica2: ports.pgReplica2 })[name];
export const pgNameOfPort = (port: number): PgName | undefined => PG_NAMES.find((n) => pgPort(n) === port);
/** A server by name (its host and port: in the several-hosts shape all three share a port), or by port on 127.0.0.1's layout. */
const endpointOf = (server: PgName | number) =>
  typeof server === 'number'
    ? { host: hosts.pg[pgNameOfPort(server) ?? 'primary'], port: server }
    : { host: hosts.pg[server], port: pgPort(server) };

/** What the HA workers need from the environment: the secrets (never in an input) and the ports. */
export function pgWorkerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const secrets = stackSecrets();
  return {
    PG_SUPERUSER_PASSWORD: secrets.PG_SUPERUSER_PASSWORD,
    REDIS_PASSWORD: secrets.REDIS_PASSWORD,
    PG_PRIMARY_PORT: String(ports.pgPrimary),
    PG_REPLICA1_PORT: String(ports.pgReplica1),
    PG_REPLICA2_PORT: String(ports.pgReplica2),
    REDIS_BASE_PORT: String(ports.redis[0]),
    ...extra,
  };
}

/** A client (not yet connected) of one server, as the superuser or the app's user; its idle errors are ignored. */
function pgClient(server: PgName | number, user: 'postgres' | 'jarvis', connectTimeoutMs: number, queryTimeoutMs: number): PgClient {
  const secrets = stackSecrets();
  const pg = new PgClient({
    ...endpointOf(server),
    user,
    password: user === 'postgres' ? secrets.PG_SUPERUSER_PASSWORD : secrets.PG_APP_PASSWORD,
    database: user === 'postgres' ? 'postgres' : 'jarvis',
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
  });
  pg.on('error', () => undefined);
  return pg;
}

export async function withPg<T>(
  port: PgName | number,
  user: 'postgres' | 'jarvis',
  fn: (pg: PgClient) => Promise<T>,
  timeoutMs = 1000,
): Promise<T> {
  const pg = pgClient(port, user, timeoutMs, 15_000);
  await pg.connect();
  try {
    return await fn(pg);
  } finally {
    void pg.end().catch(() => undefined);
  }
}

/** The servers that accept writes right now (unreachable ones are not counted). */
export async function writableNow(): Promise<PgName[]> {
  const roles = await Promise.all(
    PG_NAMES.map((name) =>
      withPg(name, 'postgres', async (pg) => (await pg.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === false).catch(() => false),
    ),
  );
  return PG_NAMES.filter((_, i) => roles[i]);
}

export interface ClusterHealth {
  healthy: boolean;
  primary?: PgName;
  detail: string;
}

/** Healthy: exactly one writable server, the other two streaming from it in quorum. */
export async function clusterHealth(): Promise<ClusterHealth> {
  const writable = await writableNow();
  if (writable.length !== 1) return { healthy: false, detail: `writable: ${writable.join(', ') || 'none'}` };
  const primary = writable[0];
  const rows = await withPg(
    primary,
    'postgres',
    async (pg) =>
      (await pg.query("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'quorum' ORDER BY 1"))
        .rows,
  ).catch(() => []);
  const streaming = rows.map((r) => r.application_name as string);
  const expected = PG_NAMES.filter((n) => n !== primary);
  const healthy = expected.every((n) => streaming.includes(n));
  return { healthy, primary, detail: `primary ${primary}; streaming in quorum: ${streaming.join(', ') || 'none'}` };
}

export async function waitClusterHealthy(timeoutMs = 60_000): Promise<PgName> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterHealth = { healthy: false, detail: 'not probed' };
  while (Date.now() < deadline) {
    last = await clusterHealth();
    if (last.healthy && last.primary) return last.primary;
    await sleep(200);
  }
  throw new Error(`the PostgreSQL cluster is not healthy after ${timeoutMs} ms: ${last.detail}`);
}

export function postmasterPid(name: PgName): number {
  const dataRoot = process.env.PG_DATA_ROOT ?? path.join(stateDir, 'postgres');
  return Number(readFileSync(path.join(dataRoot, name, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Probes all three servers every `intervalMs` and remembers the most writable servers
 * seen at once: the "exactly one writable server at every moment" invariant.
 */
export class WritableProber {
  samples = 0;
  maxWritable = 0;
  violations: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  start(intervalMs = 100): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const writable = await writableNow();
        this.samples += 1;
        this.maxWritable = Math.max(this.maxWritable, writable.length);
        if (writable.length > 1) this.violations.push(`${new Date().toISOString()}: ${writable.join(', ')}`);
        await sleep(intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * Commits numbered rows to whichever server accepts writes and records each one
 * PostgreSQL acknowledged. After a connection error it finds the writable server again
 * and retries the same number (ON CONFLICT keeps a row that did commit single).
 */
export class Writer {
  acked: Array<{ n: number; atMs: number; server: PgName }> = [];
  errors = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  constructor(readonly table: string) {}

  static async create(table: string): Promise<Writer> {
    const primary = await waitClusterHealthy();
    await withPg(primary, 'jarvis', async (pg) => {
      await pg.query(`CREATE TABLE IF NOT EXISTS ${table} (n bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
      await pg.query(`TRUNCATE ${table}`);
    });
    return new Writer(table);
  }

  start(): void {
    this.running = true;
    this.loop = commitNumberedRows<PgName>({
      table: this.table,
      running: () => this.running,
      connectWritable: () => connectFirstWritable(PG_NAMES, (name) => pgClient(name, 'jarvis', 500, 20_000)),
      acknowledged: (n, server) => this.acked.push({ n, atMs: Date.now(), server }),
      failed: () => (this.errors += 1),
    });
  }

  async waitForAcks(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.acked.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < target) {
      if (Date.now() > deadline)
        throw new Error(`the writer got ${count - (target - this.acked.length)} of ${count} acknowledgements within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /**
   * The first acknowledgement at or after `sinceMs` by a server other than `notBy`, waiting
   * for it up to `timeoutMs`. (A killed postmaster's backends can still acknowledge a
   * commit or two in the milliseconds before they notice; those do not count.)
   */
  async firstAckAfter(sinceMs: number, notBy?: PgName, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.acked.find((a) => a.atMs >= sinceMs && a.server !== notBy);
      if (found) return found.atMs;
      if (Date.now() > deadline) throw new Error(`no acknowledged write within ${timeoutMs} ms after ${new Date(sinceMs).toISOString()}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Acknowledged numbers missing from `name`'s table. */
  async missingOn(name: PgName): Promise<number[]> {
    const wanted = this.acked.map((a) => a.n);
    const present = await withPg(
      name,
      'jarvis',
      async (pg) => (await pg.query(`SELECT n FROM ${this.table} WHERE n = ANY($1::bigint[])`, [wanted])).rows.map((r) => Number(r.n)),
      5000,
    );
    const have = new Set(present);
    return wanted.filter((n) => !have.has(n));
  }
}

/** Waits for a healthy cluster; returns its primary and the first standby (the usual switchover target). */
export async function primaryAndFirstStandby(): Promise<{ primary: PgName; standby: PgName }> {
  const primary = await waitClusterHealthy();
  return { primary, standby: PG_NAMES.filter((n) => n !== primary)[0] };
}

/** A Temporal session for a file that must find the cluster healthy, and leave it so. */
export function useHealthyPgSession(): TemporalSession {
  return useTemporalSession({ prepare: () => waitClusterHealthy(), cleanUp: () => waitClusterHealthy() });
}
