// The reference app's tables. Several instances may start at once, so the DDL runs
// under a transaction-scoped advisory lock instead of racing on CREATE TABLE IF NOT EXISTS.
import type { DbRouter } from './lib/db-router';

const SCHEMA_LOCK = 7_311_001;

export async function ensureNotesTable(db: DbRouter): Promise<void> {
  await db.transaction(async (query) => {
    await query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await query(`CREATE TABLE IF NOT EXISTS notes (
      id bigserial PRIMARY KEY,
      session_id text NOT NULL,
      body text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // The resource the lock-protected jobs write: a write carrying an older fencing token
    // than the last accepted one is refused, so a holder whose lock expired cannot clobber.
    await query(`CREATE TABLE IF NOT EXISTS job_runs (
      name text PRIMARY KEY,
      last_fence bigint NOT NULL,
      last_run_by text NOT NULL,
      last_run_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
}
