// Distributed locks in the Redis Cluster: SET NX PX with a random token, renewed while the
// work runs, released only by the holder (token checked in Lua), and a fencing token from a
// counter that is incremented in the same script that takes the lock, so tokens strictly
// increase in the order the lock was granted. Both keys share the lock name as hash tag.
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import type { Counter } from 'prom-client';

export interface LockContext {
  /** Strictly increasing across every grant of this lock; pass it to the resource you protect. */
  fencingToken: number;
  /** Aborted when the lock could not be renewed (it may now be someone else's). */
  signal: AbortSignal;
}

export interface WithLockOptions {
  /** Lock lifetime without renewal. Renewed every ttlMs/3 while fn runs. */
  ttlMs: number;
  /** How long to keep trying to acquire; default 0 (one attempt). */
  waitMs?: number;
  /** Pause between attempts while waiting; default 25 ms plus jitter. */
  retryDelayMs?: number;
}

export class LockNotAcquiredError extends Error {
  override name = 'LockNotAcquiredError';
  constructor(
    readonly lockName: string,
    waitedMs: number,
  ) {
    super(`lock ${lockName} is held by someone else (waited ${waitedMs} ms)`);
  }
}

export class LockLostError extends Error {
  override name = 'LockLostError';
  constructor(readonly lockName: string) {
    super(`lock ${lockName} expired or was taken over before its work finished; raise ttlMs`);
  }
}

const ACQUIRE = `
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('incr', KEYS[2])
end
return 0
`;
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
`;

const NAME_PATTERN = /^[A-Za-z0-9:._-]{1,100}$/;

export function lockKeys(name: string) {
  return { lock: `jarvis:lock:{${name}}`, fence: `jarvis:lock:{${name}}:fence` };
}

interface Held {
  name: string;
  token: string;
  abort: AbortController;
  timer: NodeJS.Timeout;
}

export function createDistributedLock(redis: Cluster, options: { counter?: Counter<'outcome'> } = {}) {
  const held = new Set<Held>();

  async function release(lease: Held): Promise<boolean> {
    clearInterval(lease.timer);
    held.delete(lease);
    const released = await redis.eval(RELEASE, 1, lockKeys(lease.name).lock, lease.token);
    return released === 1;
  }

  async function withLock<T>(name: string, fn: (ctx: LockContext) => Promise<T>, opts: WithLockOptions): Promise<T> {
    if (!NAME_PATTERN.test(name))
      throw new TypeError(`lock name must be 1-100 letters, digits or :._- characters, got ${JSON.stringify(name)}`);
    if (!Number.isInteger(opts.ttlMs) || opts.ttlMs < 30) throw new TypeError(`ttlMs must be an integer ≥ 30, got ${opts.ttlMs}`);
    const keys = lockKeys(name);
    const token = randomBytes(16).toString('hex');
    const started = Date.now();
    const waitMs = opts.waitMs ?? 0;
    let fencingToken = 0;
    for (let attempt = 0; ; attempt++) {
      fencingToken = Number(await redis.eval(ACQUIRE, 2, keys.lock, keys.fence, token, opts.ttlMs));
      if (fencingToken > 0) break;
      const waited = Date.now() - started;
      if (waited >= waitMs) {
        options.counter?.inc({ outcome: 'busy' });
        throw new LockNotAcquiredError(name, waited);
      }
      const pause = (opts.retryDelayMs ?? 25) + Math.random() * 25;
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, waitMs - waited))));
    }
    options.counter?.inc({ outcome: 'acquired' });
    const abort = new AbortController();
    const lease: Held = {
      name,
      token,
      abort,
      timer: setInterval(
        () => {
          redis.eval(RENEW, 1, keys.lock, token, opts.ttlMs).then(
            (renewed) => {
              if (renewed !== 1) abort.abort(new LockLostError(name));
            },
            // A failed renewal is retried at the next tick; the TTL covers two more tries.
            () => undefined,
          );
        },
        Math.max(10, Math.floor(opts.ttlMs / 3)),
      ),
    };
    lease.timer.unref();
    held.add(lease);
    try {
      return await fn({ fencingToken, signal: abort.signal });
    } finally {
      if (held.has(lease)) await release(lease).catch(() => undefined);
    }
  }

  return {
    withLock,
    /** Names of the locks this process holds right now. */
    heldLocks(): string[] {
      return [...held].map((h) => h.name);
    },
    /** Releases every lock this process holds (graceful shutdown); their work sees an aborted signal. */
    async releaseAll(): Promise<string[]> {
      const names: string[] = [];
      for (const lease of [...held]) {
        lease.abort.abort(new Error(`lock ${lease.name} released by shutdown`));
        if (await release(lease).catch(() => false)) names.push(lease.name);
      }
      return names;
    },
  };
}

export type DistributedLock = ReturnType<typeof createDistributedLock>;
