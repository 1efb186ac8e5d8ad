// Redis Cluster's contracts: the cluster's name and topology mutex, the pause and resume
// signals and the progress of the topology workflows, and the big keys a preflight reports.
import { defineSignal } from '@temporalio/workflow';
import type { OperationProgress } from './common/progress';

/** The one Redis Cluster of the platform. */
export const REDIS_CLUSTER_NAME = 'cache';

/** One reshard, add, remove, rebalance, failover or fix per cluster at a time. */
export function redisTopologyMutexId(cluster: string): string {
  return `redis-topology/${cluster}`;
}

export const REDIS_MUTEX_ID = redisTopologyMutexId(REDIS_CLUSTER_NAME);
/** The Service search attribute of the topology operations. */
export const REDIS_SERVICE = `redis/${REDIS_CLUSTER_NAME}`;

/** Pause at the next slot-chunk boundary; resume goes on from there. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

export interface RedisProgress extends OperationProgress {
  paused: boolean;
  slotsTotal: number;
  slotsDone: number;
  keys: number;
  /** Estimated from sampled key sizes. */
  bytes: number;
  ioerrRecoveries: number;
  /** Slot chunks being migrated now, as "source->target: first..last". */
  inFlight: string[];
}

/** A key over the preflight's size threshold. */
export interface BigKey {
  node: string;
  key: string;
  bytes: number;
  /** About how long a MIGRATE of this key blocks source and target (policy/redis/redis-big-keys.ts). */
  estimatedMigrateMs: number;
}
