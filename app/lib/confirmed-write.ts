// Writes confirmed by replicas: the write, then `WAIT <replicas> <timeoutMs>` on the same
// connection to the key's master (one pipeline, so both go to the node that owns the key's
// slot), and a failure when fewer replicas acknowledged it within the timeout.
//
// Why: Redis replication is asynchronous. A master answers a write before any replica has it,
// so a master that crashes right after answering loses the write when its replica is promoted.
// A write that WAIT 1 confirmed is in the master's and one replica's memory. With one replica
// per master (the platform's layout) the automatic failover can only promote that replica, so
// a crash of the master does not lose it. What WAIT does not buy is in docs/redis.md
// ("Which acknowledged writes a master crash can lose").
import type { ChainableCommander, Cluster } from 'ioredis';

export interface ReplicaConfirmation {
  /** How many replicas must acknowledge the write: 1 on the platform (one replica per master). */
  replicas: number;
  /** How long WAIT blocks for them, in milliseconds (0 would block forever: not allowed). */
  timeoutMs: number;
}

export const DEFAULT_CONFIRMATION: ReplicaConfirmation = { replicas: 1, timeoutMs: 500 };

/**
 * The write reached the master (it may well stay there) but not enough replicas within the
 * timeout: the caller must treat it as not durable across a failover, and may retry it.
 */
export class UnconfirmedWriteError extends Error {
  override name = 'UnconfirmedWriteError';
  constructor(
    readonly key: string,
    readonly acknowledgedBy: number,
    readonly confirmation: ReplicaConfirmation,
  ) {
    super(
      `write to ${key} acknowledged by ${acknowledgedBy} replica(s) within ${confirmation.timeoutMs} ms, ${confirmation.replicas} required`,
    );
  }
}

/**
 * Runs the commands `write` adds to a pipeline (every one on `key`'s slot: use a hash tag for
 * several keys), then WAIT, and returns the commands' replies. Throws the first command error,
 * or UnconfirmedWriteError when WAIT counted fewer replicas than asked.
 */
export async function writeConfirmed(
  redis: Cluster,
  key: string,
  write: (pipeline: ChainableCommander) => void,
  confirmation: ReplicaConfirmation = DEFAULT_CONFIRMATION,
): Promise<unknown[]> {
  if (!Number.isInteger(confirmation.replicas) || confirmation.replicas < 1) throw new RangeError('replicas must be a whole number ≥ 1');
  if (!Number.isInteger(confirmation.timeoutMs) || confirmation.timeoutMs < 1) throw new RangeError('timeoutMs must be a whole number ≥ 1');
  const pipeline = redis.pipeline();
  write(pipeline);
  pipeline.call('WAIT', confirmation.replicas, confirmation.timeoutMs);
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  const acknowledgedBy = Number(results[results.length - 1]?.[1]);
  if (!(acknowledgedBy >= confirmation.replicas)) throw new UnconfirmedWriteError(key, acknowledgedBy, confirmation);
  return results.slice(0, -1).map(([, reply]) => reply);
}
