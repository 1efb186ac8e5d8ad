// The one writer every side gets: commits numbered rows, one at a time, to the server the
// side itself names as the primary (our topology, Patroni's REST API, pg_auto_failover's
// monitor), and after any error asks the side again. Each acknowledgement records when its
// connection was opened, so "the first write after the kill" never counts a commit that a
// dying backend acknowledged on a connection from before the kill.
import { Client } from 'pg';
import { commitNumberedRows, type WritableConnection } from '../../testkit/numbered-writes';
import { waitForMoreAcks, type Login, type ServerRef } from '../pg-writer';
import { sleep } from './side';

export interface Ack {
  n: number;
  atMs: number;
  server: string;
  connectedAtMs: number;
}

/** The server a connection went to, and when it was opened. */
interface Opened {
  name: string;
  connectedAtMs: number;
}

export class RoutedWriter {
  acked: Ack[] = [];
  /** When the writer first reached, after `markFrom`, a server the side named that was out of recovery. */
  repointedAtMs?: number;
  private markFrom = Infinity;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly locate: () => Promise<ServerRef | undefined>,
    private readonly login: Login,
    private readonly table: string,
  ) {}

  private client(port: number): Client {
    const c = new Client({ host: '127.0.0.1', port, ...this.login, connectionTimeoutMillis: 500, query_timeout: 20_000 });
    c.on('error', () => undefined);
    return c;
  }

  async prepare(): Promise<void> {
    const target = await this.locate();
    if (!target) throw new Error('the side names no primary to prepare the bench table on');
    const c = this.client(target.port);
    await c.connect();
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.table} (n bigint PRIMARY KEY)`);
      await c.query(`TRUNCATE ${this.table}`);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** From now on, the first writable connection is the re-point time. */
  markKill(atMs: number): void {
    this.markFrom = atMs;
  }

  /** Asks the side where to write and opens a connection there, if that server is out of recovery. */
  private async connect(): Promise<WritableConnection<Opened> | undefined> {
    const target = await this.locate().catch(() => undefined);
    if (!target) return undefined;
    const pg = this.client(target.port);
    try {
      await pg.connect();
      if ((await pg.query('SELECT pg_is_in_recovery() AS r')).rows[0].r !== false) throw new Error('in recovery');
      const connectedAtMs = Date.now();
      if (connectedAtMs >= this.markFrom && this.repointedAtMs === undefined) this.repointedAtMs = connectedAtMs;
      return { pg, server: { name: target.name, connectedAtMs } };
    } catch {
      void pg.end().catch(() => undefined);
      return undefined;
    }
  }

  start(): void {
    this.running = true;
    this.loop = commitNumberedRows<Opened>({
      table: this.table,
      running: () => this.running,
      connectWritable: () => this.connect(),
      acknowledged: (n, opened) => this.acked.push({ n, atMs: Date.now(), server: opened.name, connectedAtMs: opened.connectedAtMs }),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  waitForAcks(count: number, timeoutMs = 30_000): Promise<void> {
    return waitForMoreAcks(this.acked, count, timeoutMs);
  }

  /** The first acknowledgement on a connection opened after the kill. */
  async firstAckAfter(killedAtMs: number, timeoutMs: number): Promise<Ack> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.acked.find((a) => a.connectedAtMs >= killedAtMs);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no acknowledged write on a new connection within ${timeoutMs} ms of the kill`);
      await sleep(20);
    }
  }

  /** How many acknowledged numbers the server on `port` lacks. */
  async lostOn(port: number): Promise<number> {
    const wanted = this.acked.map((a) => a.n);
    const c = this.client(port);
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT count(*)::int AS k FROM ${this.table} WHERE n = ANY($1::bigint[])`, [wanted]);
      return wanted.length - (rows[0].k as number);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}
