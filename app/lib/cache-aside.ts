// Cache-aside on the Redis Cluster: read the cache, and on a miss load from the source of truth
// and store the value with a TTL. A TTL bounds how stale a read can be without any invalidation
// message; a write that must show at once calls invalidate(). warm() loads chosen entries when an
// instance starts, so its first requests do not all miss at once (and stampede the database)
// right after a scale-up. Hits and misses are counted per cache name for the hit-rate panel:
// jarvis_cache_hits_total{cache} / (hits + misses). A Redis error is never the request's error:
// the value is loaded from the source and counted as a miss.
import type { Counter } from 'prom-client';

/** The commands cache-aside needs; an ioredis Cluster fits as it is. */
export interface CacheStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  del(key: string): Promise<number>;
}

export interface CacheAsideOptions {
  store: CacheStore;
  /** Prefix of every key, with a hash tag if entries must share a slot. */
  keyPrefix: string;
  defaultTtlMs: number;
  metrics?: { cacheHits: Counter<'cache'>; cacheMisses: Counter<'cache'> };
  onError?: (error: Error) => void;
}

export interface CacheEntry<T> {
  cache: string;
  key: string;
  load: () => Promise<T>;
  ttlMs?: number;
}

export interface CacheAside {
  get<T>(entry: CacheEntry<T>): Promise<{ value: T; hit: boolean }>;
  /** Loads each entry from its source and stores it; returns how many were stored. */
  warm(entries: CacheEntry<unknown>[]): Promise<number>;
  invalidate(cache: string, key: string): Promise<void>;
}

export function createCacheAside(options: CacheAsideOptions): CacheAside {
  if (!Number.isInteger(options.defaultTtlMs) || options.defaultTtlMs < 1)
    throw new RangeError(`defaultTtlMs must be a whole number of milliseconds >= 1, got ${options.defaultTtlMs}`);
  const fullKey = (cache: string, key: string) => `${options.keyPrefix}${cache}:${key}`;
  const named = new Set<string>();
  // Both counters of a cache exist from its first use (at 0), so a hit rate is defined before the first miss.
  const touch = (cache: string) => {
    if (named.has(cache)) return;
    named.add(cache);
    options.metrics?.cacheHits.inc({ cache }, 0);
    options.metrics?.cacheMisses.inc({ cache }, 0);
  };
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));

  async function store<T>(entry: CacheEntry<T>, value: T): Promise<boolean> {
    try {
      await options.store.set(fullKey(entry.cache, entry.key), JSON.stringify(value), 'PX', entry.ttlMs ?? options.defaultTtlMs);
      return true;
    } catch (error) {
      report(error);
      return false;
    }
  }

  return {
    async get<T>(entry: CacheEntry<T>) {
      touch(entry.cache);
      let cached: string | null = null;
      try {
        cached = await options.store.get(fullKey(entry.cache, entry.key));
      } catch (error) {
        report(error);
      }
      if (cached !== null) {
        options.metrics?.cacheHits.inc({ cache: entry.cache });
        return { value: JSON.parse(cached) as T, hit: true };
      }
      options.metrics?.cacheMisses.inc({ cache: entry.cache });
      const value = await entry.load();
      await store(entry, value);
      return { value, hit: false };
    },

    async warm(entries) {
      let stored = 0;
      for (const entry of entries) {
        touch(entry.cache);
        try {
          if (await store(entry, await entry.load())) stored += 1;
        } catch (error) {
          report(error);
        }
      }
      return stored;
    },

    async invalidate(cache, key) {
      try {
        await options.store.del(fullKey(cache, key));
      } catch (error) {
        report(error);
      }
    },
  };
}
