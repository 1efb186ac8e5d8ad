// The write loop the failover tests and the benchmark share: commit numbered rows to
// whichever server accepts writes, report each one PostgreSQL acknowledged, and after a
// connection error find the writable server again and retry the same number
// (ON CONFLICT keeps a row that did commit single).
import type { Client } from 'pg';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WritableConnection<S> {
  pg: Client;
  server: S;
}

/** Tries `servers` in order and returns a connection to the first one out of recovery; closes the others. */
export async function connectFirstWritable<S>(
  servers: readonly S[],
  clientFor: (server: S) => Client,
): Promise<WritableConnection<S> | undefined> {
  for (const server of servers) {
    const pg = clientFor(server);
    pg.on('error', () => undefined);
    try {
      await pg.connect();
      if ((await pg.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === false) return { pg, server };
    } catch {
      /* down or not ready */
    }
    void pg.end().catch(() => undefined);
  }
  return undefined;
}

export interface NumberedWrites<S> {
  table: string;
  /** Checked before each write: the loop ends when it turns false. */
  running: () => boolean;
  connectWritable: () => Promise<WritableConnection<S> | undefined>;
  acknowledged: (n: number, server: S) => void;
  failed?: () => void;
}

/** Commits rows 1, 2, 3 … into `table` until `running()` is false. */
export async function commitNumberedRows<S>(writes: NumberedWrites<S>): Promise<void> {
  let connection: WritableConnection<S> | undefined;
  let next = 1;
  while (writes.running()) {
    connection ??= await writes.connectWritable();
    if (!connection) {
      await sleep(20);
      continue;
    }
    try {
      await connection.pg.query(`INSERT INTO ${writes.table} (n) VALUES ($1) ON CONFLICT DO NOTHING`, [next]);
      writes.acknowledged(next, connection.server);
      next += 1;
    } catch {
      writes.failed?.();
      void connection.pg.end().catch(() => undefined);
      connection = undefined;
    }
  }
  if (connection) void connection.pg.end().catch(() => undefined);
}
