// Sessions live in the Redis Cluster, so any instance can serve any session: a scale event
// moves a session to another instance, which simply reads it from Redis. Each session is a
// hash under its own hash tag. Renewing a session's TTL on every request would double the
// Redis traffic, so renewals are batched in memory and flushed every second and on shutdown.
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';

export interface SessionStoreOptions {
  ttlSeconds?: number;
  flushIntervalMs?: number;
}

export const sessionKey = (id: string) => `jarvis:session:{${id}}`;

export function createSessionStore(redis: Cluster, options: SessionStoreOptions = {}) {
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  const pendingRenewals = new Set<string>();
  const timer = setInterval(() => void flush().catch(() => undefined), options.flushIntervalMs ?? 1_000);
  timer.unref();

  async function flush(): Promise<number> {
    if (pendingRenewals.size === 0) return 0;
    const ids = [...pendingRenewals];
    pendingRenewals.clear();
    // One command per session: they sit on different slots, so no multi-key batching.
    await Promise.all(ids.map((id) => redis.expire(sessionKey(id), ttlSeconds)));
    return ids.length;
  }

  return {
    ttlSeconds,
    async create(createdBy: string): Promise<string> {
      const id = randomBytes(16).toString('hex');
      await redis
        .multi()
        .hset(sessionKey(id), { createdAt: new Date().toISOString(), createdBy })
        .expire(sessionKey(id), ttlSeconds)
        .exec();
      return id;
    },
    async exists(id: string): Promise<boolean> {
      return (await redis.exists(sessionKey(id))) === 1;
    },
    async read(id: string): Promise<Record<string, string>> {
      return redis.hgetall(sessionKey(id));
    },
    async set(id: string, fields: Record<string, string>): Promise<void> {
      await redis.hset(sessionKey(id), fields);
    },
    async increment(id: string, field: string, by = 1): Promise<number> {
      return redis.hincrby(sessionKey(id), field, by);
    },
    /** Marks the session as used; its TTL is renewed at the next flush. */
    touch(id: string): void {
      pendingRenewals.add(id);
    },
    pendingCount(): number {
      return pendingRenewals.size;
    },
    /** Writes pending renewals to Redis; returns how many. */
    flush,
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
