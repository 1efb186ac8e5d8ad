// Queries on one server's pool, counted in the instance's metrics by role and outcome:
// a plain query, a write that reports the WAL position after it, and a transaction.
import type { Pool, QueryResultRow } from 'pg';
import type { InstanceMetrics } from './metrics';
import type { PoolTarget } from './pg-pools';

export type QueryCounter = (Pick<InstanceMetrics, 'dbQueries'> & Partial<Pick<InstanceMetrics, 'dbQueryDuration'>>) | undefined;

/** Counts one query by role and outcome, and times it (the dashboard's query performance). */
function counted(metrics: QueryCounter, role: string, outcome: 'ok' | 'error', started: bigint): void {
  metrics?.dbQueries.inc({ role, outcome });
  metrics?.dbQueryDuration?.observe({ role }, Number(process.hrtime.bigint() - started) / 1e9);
}

export type TransactionQuery = <R extends QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;

export async function countedQuery<R extends QueryResultRow>(
  target: PoolTarget,
  sql: string,
  params: unknown[],
  metrics: QueryCounter,
): Promise<R[]> {
  const started = process.hrtime.bigint();
  try {
    const result = await target.pool.query<R>(sql, params);
    counted(metrics, target.name, 'ok', started);
    return result.rows;
  } catch (error) {
    counted(metrics, target.name, 'error', started);
    throw error;
  }
}

/** A write, then the WAL insert position on the same connection, for read-your-writes. */
export async function writeWithLsn<R extends QueryResultRow>(
  target: PoolTarget,
  sql: string,
  params: unknown[],
  metrics: QueryCounter,
): Promise<{ rows: R[]; lsn: string }> {
  const client = await target.pool.connect();
  const started = process.hrtime.bigint();
  try {
    const result = await client.query<R>(sql, params);
    const after = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    counted(metrics, target.name, 'ok', started);
    return { rows: result.rows, lsn: after.rows[0].lsn };
  } catch (error) {
    counted(metrics, target.name, 'error', started);
    throw error;
  } finally {
    client.release();
  }
}

/** Runs fn on one connection between BEGIN and COMMIT; any error rolls back. */
export async function inTransaction<T>(pool: Pool, fn: (query: TransactionQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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
}

/** True when the server answers a trivial query. */
export async function answers(pool: Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
