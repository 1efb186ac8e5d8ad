// Read/write splitting for PostgreSQL. Writes go to the primary's pool; reads go to a
// replica picked at random among those that are in recovery, answered their last probe,
// and lag less than maxLagMs. A read may carry the LSN of the session's last write
// (read-your-writes): only replicas known to have replayed that far qualify, else the
// primary serves it. Which server is primary comes from the topology the control plane
// publishes (pg-topology.ts); pools follow it without a restart.
import { Pool, type PoolConfig, type QueryResultRow } from 'pg';
import type { InstanceMetrics } from './metrics';
import { createLagEstimator } from './replica-lag';
import { formatLsn, parseLsn } from './lsn';
import type { PgNode, PgTopology } from './pg-topology';

export interface DbRouterOptions {
  /** DATABASE_URL: the primary before any topology is published, and the user/database for every node. */
  primaryUrl: string;
  replicaUrls: { name: string; url: string }[];
  /** Used when a URL carries no password. */
  password?: string;
  poolSize?: number;
  maxLagMs?: number;
  sampleIntervalMs?: number;
  applicationName?: string;
  metrics?: Pick<InstanceMetrics, 'dbQueries' | 'dbConnectionsActive' | 'replicaLagSeconds'>;
  onError?: (error: Error) => void;
}

export interface ReadOptions {
  /** The LSN the answer must include (the session's last write). */
  minLsn?: string;
}

export interface RoutedResult<R> {
  rows: R[];
  /** "primary" or the replica's name. */
  servedBy: string;
}

interface Target {
  name: string;
  pool: Pool;
  key: string;
}

interface ReplicaState {
  inRecovery: boolean;
  replayLsn?: bigint;
  checkedAtMs: number;
  lagMs: number;
  error?: string;
}

function baseConfig(url: string, password: string | undefined) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : password,
    database: decodeURIComponent(u.pathname.slice(1)),
  };
}

export function createDbRouter(options: DbRouterOptions) {
  const maxLagMs = options.maxLagMs ?? 1_000;
  const sampleIntervalMs = options.sampleIntervalMs ?? 250;
  const base = baseConfig(options.primaryUrl, options.password);
  const pools = new Map<string, Pool>(); // by host:port, so a server that changes role keeps its pool
  const replicaState = new Map<string, ReplicaState>();
  const lag = createLagEstimator();
  let epoch: number | undefined;
  let primary: Target;
  let replicas: Target[];
  let stopped = false;

  function poolFor(config: { host: string; port: number; user: string; password?: string; database: string }): { pool: Pool; key: string } {
    const key = `${config.host}:${config.port}`;
    let pool = pools.get(key);
    if (!pool) {
      const poolConfig: PoolConfig = {
        ...config,
        max: options.poolSize ?? 5,
        connectionTimeoutMillis: 2_000,
        idleTimeoutMillis: 30_000,
        application_name: options.applicationName ?? 'jarvis-app',
      };
      pool = new Pool(poolConfig);
      // An idle client's error (a server restart) must not crash the process.
      pool.on('error', (error) => options.onError?.(error));
      pools.set(key, pool);
    }
    return { pool, key };
  }

  /** A topology node uses DATABASE_URL's user and database; a configured URL brings its own. */
  function target(name: string, node: PgNode | ReturnType<typeof baseConfig>): Target {
    const config = 'user' in node ? node : { ...base, host: node.host, port: node.port };
    return { name, ...poolFor(config) };
  }

  primary = target('primary', base);
  replicas = options.replicaUrls.map((r) => target(r.name, baseConfig(r.url, options.password)));

  /** Points the pools at a new topology; pools no server uses any more are closed. */
  function applyTopology(topology: PgTopology): void {
    epoch = topology.epoch;
    primary = target(topology.primary.name, topology.primary);
    replicas = topology.replicas.map((r) => target(r.name, r));
    replicaState.clear();
    const used = new Set([primary.key, ...replicas.map((r) => r.key)]);
    for (const [key, pool] of pools) {
      if (!used.has(key)) {
        pools.delete(key);
        pool.end().catch(() => undefined);
      }
    }
  }

  async function run<R extends QueryResultRow>(t: Target, sql: string, params: unknown[]): Promise<R[]> {
    try {
      const result = await t.pool.query<R>(sql, params);
      options.metrics?.dbQueries.inc({ role: t.name, outcome: 'ok' });
      return result.rows;
    } catch (error) {
      options.metrics?.dbQueries.inc({ role: t.name, outcome: 'error' });
      throw error;
    }
  }

  function eligibleReplicas(minLsn: bigint | undefined, nowMs: number): Target[] {
    return replicas.filter((r) => {
      const s = replicaState.get(r.name);
      if (!s || !s.inRecovery || s.error || nowMs - s.checkedAtMs > Math.max(2_000, sampleIntervalMs * 4)) return false;
      if (s.lagMs > maxLagMs) return false;
      if (minLsn !== undefined && (s.replayLsn === undefined || s.replayLsn < minLsn)) return false;
      return true;
    });
  }

  async function sample(): Promise<void> {
    const nowMs = Date.now();
    try {
      const {
        rows: [row],
      } = await primary.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const lsn = parseLsn(row?.lsn);
      if (lsn !== undefined) lag.addPrimarySample({ atMs: nowMs, lsn });
    } catch (error) {
      options.onError?.(error as Error);
    }
    await Promise.all(
      replicas.map(async (r) => {
        try {
          const { rows } = await r.pool.query<{ rec: boolean; lsn: string | null }>(
            'SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn()::text AS lsn',
          );
          const replayLsn = parseLsn(rows[0]?.lsn);
          const at = Date.now();
          const lagMs = replayLsn === undefined ? Number.POSITIVE_INFINITY : lag.lagMs(replayLsn, at);
          replicaState.set(r.name, { inRecovery: rows[0]?.rec === true, replayLsn, checkedAtMs: at, lagMs });
          options.metrics?.replicaLagSeconds.set({ replica: r.name }, Number.isFinite(lagMs) ? lagMs / 1000 : 3600);
        } catch (error) {
          replicaState.set(r.name, {
            inRecovery: false,
            checkedAtMs: Date.now(),
            lagMs: Number.POSITIVE_INFINITY,
            error: (error as Error).message,
          });
        }
      }),
    );
    for (const t of [primary, ...replicas])
      options.metrics?.dbConnectionsActive.set({ role: t.name }, t.pool.totalCount - t.pool.idleCount);
  }

  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    sampling = sample();
  }, sampleIntervalMs);
  timer.unref();

  return {
    currentEpoch: () => epoch,
    applyTopology,

    /** A write on the primary. Returns the WAL position after it, for read-your-writes. */
    async write<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; lsn: string }> {
      const t = primary;
      const client = await t.pool.connect();
      try {
        const result = await client.query<R>(sql, params);
        const after = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
        options.metrics?.dbQueries.inc({ role: t.name, outcome: 'ok' });
        return { rows: result.rows, lsn: after.rows[0].lsn };
      } catch (error) {
        options.metrics?.dbQueries.inc({ role: t.name, outcome: 'error' });
        throw error;
      } finally {
        client.release();
      }
    },

    /** A read on a replica that is fresh enough, else on the primary. */
    async read<R extends QueryResultRow>(sql: string, params: unknown[] = [], opts: ReadOptions = {}): Promise<RoutedResult<R>> {
      const minLsn = opts.minLsn === undefined ? undefined : parseLsn(opts.minLsn);
      if (opts.minLsn !== undefined && minLsn === undefined)
        throw new TypeError(`minLsn must look like 16/B374D848, got ${JSON.stringify(opts.minLsn)}`);
      const candidates = eligibleReplicas(minLsn, Date.now());
      const chosen = candidates.length ? candidates[Math.floor(Math.random() * candidates.length)] : primary;
      try {
        return { rows: await run<R>(chosen, sql, params), servedBy: chosen.name };
      } catch (error) {
        if (chosen === primary) throw error;
        // A replica that fails now is left out until its next good probe; the primary answers.
        replicaState.set(chosen.name, {
          inRecovery: false,
          checkedAtMs: Date.now(),
          lagMs: Number.POSITIVE_INFINITY,
          error: (error as Error).message,
        });
        return { rows: await run<R>(primary, sql, params), servedBy: primary.name };
      }
    },

    /** Runs fn on a primary connection in one transaction. */
    async transaction<T>(
      fn: (query: <R extends QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>) => Promise<T>,
    ): Promise<T> {
      const client = await primary.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(
          async <R extends QueryResultRow>(sql: string, params: unknown[] = []) => (await client.query<R>(sql, params)).rows,
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /** True when the primary answers a trivial query. */
    async pingPrimary(): Promise<boolean> {
      try {
        await primary.pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },

    /** What the router knows, for status pages and tests. */
    describe() {
      return {
        epoch: epoch ?? null,
        primary: { name: primary.name, server: primary.key },
        replicas: replicas.map((r) => {
          const s = replicaState.get(r.name);
          return {
            name: r.name,
            server: r.key,
            eligible: eligibleReplicas(undefined, Date.now()).includes(r),
            lagMs: s ? (Number.isFinite(s.lagMs) ? s.lagMs : null) : null,
            replayLsn: s?.replayLsn === undefined ? null : formatLsn(s.replayLsn),
            error: s?.error ?? null,
          };
        }),
      };
    },

    async close(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await sampling.catch(() => undefined);
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      pools.clear();
    },
  };
}

export type DbRouter = ReturnType<typeof createDbRouter>;
