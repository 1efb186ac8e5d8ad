// redisFailover: a planned failover. CLUSTER FAILOVER (without FORCE, so the replica catches
// up first and no acknowledged write is lost) on the chosen replica; waits until roles swap.
import { setHandler } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { nodeById } from '../../policy/redis/redis-cluster-view';
import { parseRedisFailoverInput, type RedisFailoverInput } from '../../policy/redis/redis-input';
import { progressQuery } from '../../contracts/common/progress';
import { failure, invalidInput, newProgress, redisQuick, requireHealthyCluster, underRedisMutex } from './redis-common';

export interface RedisFailoverResult {
  newMaster: string;
  oldMaster: string;
}

export async function redisFailover(rawInput: unknown): Promise<RedisFailoverResult> {
  const parsed = parseRedisFailoverInput(rawInput);
  if (!parsed.ok) throw invalidInput('redisFailover', parsed.problems);
  const input = parsed.value;
  return underRedisMutex(redisFailover, 'redisFailover', rawInput, `redisFailover to ${input.replicaId.slice(0, 8)}`, () =>
    failoverUnderMutex(input),
  );
}

async function failoverUnderMutex(input: RedisFailoverInput): Promise<RedisFailoverResult> {
  const progress = newProgress();
  setHandler(progressQuery, () => progress);
  progress.step = 'preflight';
  await requireHealthyCluster(8 * 1024 * 1024, false);
  const view = await redisQuick.readRedisTopology();
  const replica = nodeById(view, input.replicaId);
  if (!replica) throw failure(FailureType.UnknownNode, `replicaId: ${input.replicaId} is not a node of the cluster`);
  if (replica.role !== 'replica' || !replica.masterId)
    throw failure(
      FailureType.InvalidInput,
      `replicaId: ${input.replicaId} (127.0.0.1:${replica.port}) is a master; name one of its replicas`,
    );
  progress.step = 'failover';
  progress.detail = `CLUSTER FAILOVER on 127.0.0.1:${replica.port}`;
  const result = await redisQuick.failoverRedisReplica({
    replicaId: replica.id,
    oldMasterId: replica.masterId,
    deadlineEpochMs: Date.now() + input.timeoutSeconds * 1000,
  });
  progress.step = 'done';
  return result;
}
