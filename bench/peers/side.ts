// What the failover bench needs from each side (ours, Patroni, pg_auto_failover): its
// servers, its own answer to "which server is the primary", the two kills, and the side's
// own view of the failure (detection).
import type { Login, ServerRef } from '../pg-writer';

/** The postmaster alone, or the whole node: the postmaster with the side's agent on that node. */
export type KillKind = 'postmaster' | 'node';
export const KILL_KINDS: readonly KillKind[] = ['postmaster', 'node'];

/** One setting of a side, with the page its value comes from. */
export interface SettingRecord {
  value: unknown;
  source: string;
  note?: string;
}

export interface Side {
  /** The configuration's name in the results, e.g. `patroni-tuned`. */
  readonly name: string;
  readonly servers: ServerRef[];
  readonly login: Login;
  /** Every setting that shapes the failover, each with its source. */
  settings(): Record<string, SettingRecord>;
  /** Creates the side and leaves it stable (one primary, two synchronous standbys). */
  start(): Promise<void>;
  /** Waits for one primary with two streaming standbys; returns the primary's name. */
  waitStable(timeoutMs: number): Promise<string>;
  /** The side's own routing: where a client should write now (undefined when it names no one). */
  locatePrimary(): Promise<ServerRef | undefined>;
  kill(primary: string, kind: KillKind): Promise<void>;
  /** Resolves at the moment the side's own view first shows the failure. */
  detected(primary: string, killedAtMs: number, timeoutMs: number): Promise<number>;
  /** After the round: restarts what the kill took (the agent of a lost node) so the node rejoins. */
  recover(primary: string, kind: KillKind): Promise<void>;
  stop(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value; fails with `what` after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
