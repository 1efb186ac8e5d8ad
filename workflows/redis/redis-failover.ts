// redisFailover: a planned failover. CLUSTER FAILOVER (without FORCE, so the replica catches
// up first and no acknowledged write is lost) on the chosen replica; waits until roles swap.
import { FailureType } from '../../contracts/common/failure-types';
import { address, nodeById } from '../../policy/redis/redis-cluster-view';
import { parseRedisFailoverInput, type RedisFailoverInput } from '../../policy/redis/redis-input';
import { failure, validInput, preflightTopology, redisQuick, trackProgress, underRedisMutex } from './redis-common';

export interface RedisFailoverResult {
  newMaster: string;
  oldMaster: string;
}

export async function redisFailover(rawInput: unknown): Promise<RedisFailoverResult> {
  const input = validInput('redisFailover', parseRedisFailoverInput(rawInput));
  return underRedisMutex(redisFailover, 'redisFailover', rawInput, `redisFailover to ${input.replicaId.slice(0, 8)}`, () =>
    failoverUnderMutex(input),
  );
}

async function failoverUnderMutex(input: RedisFailoverInput): Promise<RedisFailoverResult> {
  const progress = trackProgress(false);
  const view = await preflightTopology(progress);
  const replica = nodeById(view, input.replicaId);
  if (!replica) throw failure(FailureType.UnknownNode, `replicaId: ${input.replicaId} is not a node of the cluster`);
  if (replica.role !== 'replica' || !replica.masterId)
    throw failure(FailureType.InvalidInput, `replicaId: ${input.replicaId} (${address(replica)}) is a master; name one of its replicas`);
  progress.step = 'failover';
  progress.detail = `CLUSTER FAILOVER on ${address(replica)}`;
  const result = await redisQuick.failoverRedisReplica({
    replicaId: replica.id,
    oldMasterId: replica.masterId,
    deadlineEpochMs: Date.now() + input.timeoutSeconds * 1000,
  });
  progress.step = 'done';
  return result;
}
