// The benchmark's writer and prober, for any set of loopback PostgreSQL servers: commits
// numbered rows to whichever server accepts writes, records each acknowledgement and
// which server gave it, and probes every server for writability.
import { Client } from 'pg';
import { commitNumberedRows, connectFirstWritable } from '../testkit/numbered-writes';

export interface ServerRef {
  name: string;
  port: number;
}

export interface Login {
  user: string;
  password?: string;
  database: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withClient<T>(port: number, login: Login, fn: (c: Client) => Promise<T>, timeoutMs = 800): Promise<T> {
  const c = new Client({ host: '127.0.0.1', port, ...login, connectionTimeoutMillis: timeoutMs, query_timeout: 20_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    void c.end().catch(() => undefined);
  }
}

export async function writable(servers: ServerRef[], login: Login): Promise<string[]> {
  const flags = await Promise.all(
    servers.map((s) =>
      withClient(s.port, login, async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === false).catch(() => false),
    ),
  );
  return servers.filter((_, i) => flags[i]).map((s) => s.name);
}

/** Waits until `acked` (a writer's growing list) holds `count` more entries. */
export async function waitForMoreAcks(acked: readonly unknown[], count: number, timeoutMs: number): Promise<void> {
  const target = acked.length + count;
  const deadline = Date.now() + timeoutMs;
  while (acked.length < target) {
    if (Date.now() > deadline) throw new Error(`writer: fewer than ${count} acknowledgements in ${timeoutMs} ms`);
    await sleep(20);
  }
}

export class BenchWriter {
  acked: Array<{ n: number; atMs: number; server: string }> = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly servers: ServerRef[],
    private readonly login: Login,
    private readonly table: string,
  ) {}

  async prepare(): Promise<void> {
    const [primary] = await writable(this.servers, this.login);
    if (!primary) throw new Error('no writable server to prepare the bench table on');
    const port = this.servers.find((s) => s.name === primary)!.port;
    await withClient(port, this.login, async (c) => {
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.table} (n bigint PRIMARY KEY)`);
      await c.query(`TRUNCATE ${this.table}`);
    });
  }

  start(): void {
    this.running = true;
    this.loop = commitNumberedRows<string>({
      table: this.table,
      running: () => this.running,
      connectWritable: async () => {
        const found = await connectFirstWritable(
          this.servers,
          (s) => new Client({ host: '127.0.0.1', port: s.port, ...this.login, connectionTimeoutMillis: 500, query_timeout: 20_000 }),
        );
        return found && { pg: found.pg, server: found.server.name };
      },
      acknowledged: (n, server) => this.acked.push({ n, atMs: Date.now(), server }),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  waitForAcks(count: number, timeoutMs = 30_000): Promise<void> {
    return waitForMoreAcks(this.acked, count, timeoutMs);
  }

  async firstAckAfter(sinceMs: number, notBy: string, timeoutMs = 180_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.acked.find((a) => a.atMs >= sinceMs && a.server !== notBy);
      if (found) return found.atMs;
      if (Date.now() > deadline) throw new Error(`no acknowledged write on another server within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async lostOn(port: number): Promise<number> {
    const wanted = this.acked.map((a) => a.n);
    const present = await withClient(
      port,
      this.login,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS k FROM ${this.table} WHERE n = ANY($1::bigint[])`, [wanted])).rows[0].k as number,
      5000,
    );
    return wanted.length - present;
  }
}

/** Polls until some server other than `old` accepts writes; returns when. */
export async function waitNewWritable(
  servers: ServerRef[],
  login: Login,
  old: string,
  timeoutMs = 180_000,
): Promise<{ name: string; atMs: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const w = (await writable(servers, login)).filter((n) => n !== old);
    if (w.length > 0) return { name: w[0], atMs: Date.now() };
    await sleep(50);
  }
  throw new Error(`no server other than ${old} accepted writes within ${timeoutMs} ms`);
}

export function summarize(values: number[]): { n: number; min: number; p50: number; p90: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, min: s[0], p50: at(0.5), p90: at(0.9), max: s[s.length - 1] };
}
