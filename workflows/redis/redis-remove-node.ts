// redisRemoveNode: move the node's slots to the other masters, re-point its replicas, make
// every other node forget it within the 60 s ban window, reset it, stop it and delete its
// state folder (so `manage-cluster.sh start` does not bring it back).
import { FailureType } from '../../contracts/common/failure-types';
import { address, masters, nodeById } from '../../policy/redis/redis-cluster-view';
import { isBaseNode } from '../../policy/redis/redis-membership';
import { migrationOptionsOf, parseRedisRemoveNodeInput, type RedisRemoveNodeInput } from '../../policy/redis/redis-input';
import { planDrain } from '../../policy/redis/redis-slot-plan';
import {
  failure,
  validInput,
  planRejected,
  preflightTopology,
  redisQuick,
  verifyAfterChange,
  trackProgress,
  underRedisMutex,
} from './redis-common';
import { newMigrationState, runMigration } from './redis-migration';

export interface RedisRemoveNodeResult {
  nodeId: string;
  /** "host:port" of the removed node. */
  address: string;
  port: number;
  slotsMoved: number;
  keysMoved: number;
  replicasRepointed: string[];
}

export async function redisRemoveNode(rawInput: unknown): Promise<RedisRemoveNodeResult> {
  const input = validInput('redisRemoveNode', parseRedisRemoveNodeInput(rawInput));
  return underRedisMutex(redisRemoveNode, 'redisRemoveNode', rawInput, `redisRemoveNode ${input.nodeId.slice(0, 8)}`, () =>
    removeUnderMutex(input),
  );
}

async function removeUnderMutex(input: RedisRemoveNodeInput): Promise<RedisRemoveNodeResult> {
  const progress = trackProgress(true);
  const view = await preflightTopology(progress);
  const node = nodeById(view, input.nodeId);
  if (!node) throw failure(FailureType.UnknownNode, `nodeId: ${input.nodeId} is not a node of the cluster (see CLUSTER NODES)`);
  const where = address(node);
  if (isBaseNode(node, await redisQuick.redisClusterSettings())) {
    throw failure(
      FailureType.InvalidInput,
      `nodeId: ${input.nodeId} is base node ${where}; the six nodes the stack starts (REDIS_HOST, REDIS_BASE_PORT) are not removed`,
    );
  }
  const drain = planDrain(view, input.nodeId);
  if (!drain.ok) throw planRejected(drain.code, drain.message);

  let slotsMoved = 0;
  let keysMoved = 0;
  if (drain.plan.totalSlots > 0) {
    progress.step = 'migrate';
    const state = newMigrationState(
      drain.plan,
      masters(view).map(({ id, host, port }) => ({ id, host, port })),
    );
    await runMigration(state, migrationOptionsOf(input), progress, { isPaused: () => progress.paused, shouldStop: () => false });
    slotsMoved = state.slotsDone;
    keysMoved = state.keys;
  }

  progress.step = 'replicas';
  progress.detail = `re-pointing the replicas of ${node.id}`;
  const replicasRepointed = await redisQuick.repointRedisReplicas({ nodeId: node.id, deadlineEpochMs: Date.now() + 60_000 });

  progress.step = 'forget';
  progress.detail = `CLUSTER FORGET ${node.id} on every other node, then CLUSTER RESET on it`;
  await redisQuick.forgetRedisNode({ nodeId: node.id, host: node.host, port: node.port, deadlineEpochMs: Date.now() + 50_000 });

  progress.step = 'stop';
  progress.detail = `stopping ${where} and deleting its state folder`;
  await redisQuick.stopAndDeleteRedisNode({ host: node.host, port: node.port });
  await verifyAfterChange(progress, 8 * 1024 * 1024);
  progress.step = 'done';
  return { nodeId: node.id, address: where, port: node.port, slotsMoved, keysMoved, replicasRepointed };
}
