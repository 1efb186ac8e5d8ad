// The preflight's big-key scan, bounded: SCAN on each master with MEMORY USAGE … SAMPLES 5
// (a bounded estimate even for a huge list or hash), stopping at a key count or a time limit,
// whichever comes first, split evenly between the masters so each is sampled. It reports the
// keys whose MIGRATE would block both nodes longer than the limit implied by bigKeyBytes.
import { heartbeat } from '@temporalio/activity';
import { address, type ClusterNode } from '../../policy/redis/redis-cluster-view';
import { estimatedMigrateMs, type BigKeyScanLimits } from '../../policy/redis/redis-big-keys';
import type { BigKey } from '../../contracts/redis';
import type { RedisNodePool } from './redis-cluster-connections';

export interface BigKeyScan {
  bigKeys: BigKey[];
  keysScanned: number;
  /** True when every master's keyspace was scanned to the end within the limits. */
  complete: boolean;
}

const MAX_REPORTED = 50;
const SCAN_COUNT = 500;

export async function scanBigKeys(
  pool: RedisNodePool,
  masters: ClusterNode[],
  bigKeyBytes: number,
  limits: BigKeyScanLimits,
): Promise<BigKeyScan> {
  const bigKeys: BigKey[] = [];
  let keysScanned = 0;
  let complete = true;
  if (masters.length === 0) return { bigKeys, keysScanned, complete };
  const keysPerMaster = Math.floor(limits.maxKeys / masters.length);
  const msPerMaster = limits.maxMs / masters.length;
  for (const master of masters) {
    const redis = pool.node(master);
    const deadline = performance.now() + msPerMaster;
    let scannedHere = 0;
    let cursor = '0';
    for (let round = 0; ; round++) {
      if (scannedHere >= keysPerMaster || performance.now() >= deadline) {
        complete = false;
        break;
      }
      const [next, keys] = (await redis.scan(cursor, 'COUNT', Math.min(SCAN_COUNT, Math.max(1, keysPerMaster - scannedHere)))) as [
        string,
        string[],
      ];
      cursor = next;
      if (keys.length > 0) {
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '5');
        const sizes = (await pipeline.exec()) ?? [];
        keys.forEach((key, i) => {
          const bytes = Number(sizes[i]?.[1] ?? 0);
          if (bytes > bigKeyBytes && bigKeys.length < MAX_REPORTED)
            bigKeys.push({ node: address(master), key, bytes, estimatedMigrateMs: estimatedMigrateMs(bytes) });
        });
        scannedHere += keys.length;
      }
      if (round % 20 === 0) heartbeat({ keysScanned: keysScanned + scannedHere });
      if (cursor === '0') break;
    }
    keysScanned += scannedHere;
  }
  return { bigKeys, keysScanned, complete };
}
