// How long a MIGRATE of one key blocks: the source serialises it (DUMP) and waits, blocked,
// while the target restores it, so both nodes stall for about size / rate. The rate is a
// conservative figure for this class of machine (test/workflows/redis-big-keys.test.ts
// measures a real MIGRATE of a big key and prints it beside this estimate).
export const MIGRATE_BYTES_PER_MS = 100_000;

export function estimatedMigrateMs(bytes: number): number {
  return Math.ceil(bytes / MIGRATE_BYTES_PER_MS);
}

export interface BigKeyScanLimits {
  /** Keys sampled at most, over all masters (0: no scan). */
  maxKeys: number;
  /** Milliseconds spent scanning at most, over all masters. */
  maxMs: number;
}
