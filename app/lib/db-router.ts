// Read/write splitting for PostgreSQL. Writes go to the primary's pool; reads go to a
// replica picked at random among those that are in recovery, answered their last probe,
// and lag less than maxLagMs (replica-freshness.ts). A read may carry the LSN of the
// session's last write (read-your-writes): only replicas known to have replayed that far
// qualify, else the primary serves it. Which server is primary comes from the topology the
// control plane publishes (pg-topology.ts); pools (pg-pools.ts) follow it without a restart.
import type { QueryResultRow } from 'pg';
import type { InstanceMetrics } from './metrics';
import { parseLsn } from './lsn';
import { connectionConfig, createPoolSet, type ConnectionConfig, type PoolTarget } from './pg-pools';
import type { PgNode, PgTopology } from './pg-topology';
import { answers, countedQuery, inTransaction, writeWithLsn, type TransactionQuery } from './primary-queries';
import { createReplicaFreshness } from './replica-freshness';

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
  metrics?: Pick<InstanceMetrics, 'dbQueries' | 'dbConnectionsActive' | 'replicaLagSeconds'> &
    Partial<Pick<InstanceMetrics, 'dbQueryDuration'>>;
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

/** Runs fn every intervalMs (unref'd) until stop(), which waits for a run in progress. */
function repeatEvery(fn: () => Promise<void>, intervalMs: number) {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = fn();
  }, intervalMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}

function parseMinLsn(opts: ReadOptions): bigint | undefined {
  const minLsn = opts.minLsn === undefined ? undefined : parseLsn(opts.minLsn);
  if (opts.minLsn !== undefined && minLsn === undefined)
    throw new TypeError(`minLsn must look like 16/B374D848, got ${JSON.stringify(opts.minLsn)}`);
  return minLsn;
}

export function createDbRouter(options: DbRouterOptions) {
  const base = connectionConfig(options.primaryUrl, options.password);
  const pools = createPoolSet({
    poolSize: options.poolSize ?? 5,
    applicationName: options.applicationName ?? 'jarvis-app',
    onError: options.onError,
  });
  const freshness = createReplicaFreshness({
    maxLagMs: options.maxLagMs ?? 1_000,
    sampleIntervalMs: options.sampleIntervalMs ?? 250,
    metrics: options.metrics,
    onError: options.onError,
  });
  let epoch: number | undefined;
  /** A topology node uses DATABASE_URL's user and database; a configured URL brings its own. */
  const target = (name: string, node: PgNode | ConnectionConfig): PoolTarget =>
    pools.target(name, 'user' in node ? node : { ...base, host: node.host, port: node.port });
  let primary = target('primary', base);
  let replicas = options.replicaUrls.map((r) => target(r.name, connectionConfig(r.url, options.password)));
  const sampling = repeatEvery(() => freshness.sample(primary, replicas), options.sampleIntervalMs ?? 250);

  /** A read on a replica that is fresh enough, else on the primary. */
  async function read<R extends QueryResultRow>(sql: string, params: unknown[] = [], opts: ReadOptions = {}): Promise<RoutedResult<R>> {
    const candidates = freshness.eligible(replicas, parseMinLsn(opts), Date.now());
    const chosen = candidates.length ? candidates[Math.floor(Math.random() * candidates.length)] : primary;
    try {
      return { rows: await countedQuery<R>(chosen, sql, params, options.metrics), servedBy: chosen.name };
    } catch (error) {
      if (chosen === primary) throw error;
      // A replica that fails now is left out until its next good probe; the primary answers.
      freshness.markFailed(chosen.name, error);
      return { rows: await countedQuery<R>(primary, sql, params, options.metrics), servedBy: primary.name };
    }
  }

  return {
    currentEpoch: () => epoch,

    /** Points the pools at a new topology; pools no server uses any more are closed. */
    applyTopology(topology: PgTopology): void {
      epoch = topology.epoch;
      primary = target(topology.primary.name, topology.primary);
      replicas = topology.replicas.map((r) => target(r.name, r));
      freshness.clear();
      pools.keepOnly([primary, ...replicas]);
    },

    /** A write on the primary. Returns the WAL position after it, for read-your-writes. */
    write: <R extends QueryResultRow>(sql: string, params: unknown[] = []) => writeWithLsn<R>(primary, sql, params, options.metrics),
    read,
    /** Runs fn on a primary connection in one transaction. */
    transaction: <T>(fn: (query: TransactionQuery) => Promise<T>): Promise<T> => inTransaction(primary.pool, fn),
    /** True when the primary answers a trivial query. */
    pingPrimary: (): Promise<boolean> => answers(primary.pool),

    /** What the router knows, for status pages and tests. */
    describe() {
      const eligible = freshness.eligible(replicas, undefined, Date.now());
      return {
        epoch: epoch ?? null,
        primary: { name: primary.name, server: primary.key },
        replicas: replicas.map((r) => ({ name: r.name, server: r.key, eligible: eligible.includes(r), ...freshness.describe(r) })),
      };
    },

    async close(): Promise<void> {
      await sampling.stop();
      await pools.closeAll();
    },
  };
}

export type DbRouter = ReturnType<typeof createDbRouter>;
