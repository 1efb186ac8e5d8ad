// redisAddNode: start an empty node with the cluster's settings, MEET it, wait until every
// node knows it, and optionally make it a replica (of a named master, or "auto": the master
// with the fewest replicas). Every check that can refuse runs before anything starts.
import { FailureType } from '../../contracts/common/failure-types';
import { nodeById, type ClusterView } from '../../policy/redis/redis-cluster-view';
import { masterWithFewestReplicas } from '../../policy/redis/redis-membership';
import { parseRedisAddNodeInput, type RedisAddNodeInput } from '../../policy/redis/redis-input';
import { failure, validInput, preflightTopology, redisQuick, trackProgress, underRedisMutex } from './redis-common';

export interface RedisAddNodeResult {
  nodeId: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
}

export async function redisAddNode(rawInput: unknown): Promise<RedisAddNodeResult> {
  const input = validInput('redisAddNode', parseRedisAddNodeInput(rawInput));
  return underRedisMutex(redisAddNode, 'redisAddNode', rawInput, `redisAddNode 127.0.0.1:${input.port}`, () => addNodeUnderMutex(input));
}

/** The master the new node will replicate, or null; pure over the view. */
function chooseMaster(view: ClusterView, replicaOf: RedisAddNodeInput['replicaOf']): string | null {
  if (replicaOf === undefined) return null;
  if (replicaOf === 'auto') {
    const fewest = masterWithFewestReplicas(view);
    if (!fewest) throw failure(FailureType.NotAMaster, 'replicaOf: "auto" found no master that owns slots');
    return fewest.id;
  }
  const master = nodeById(view, replicaOf);
  if (!master) throw failure(FailureType.UnknownNode, `replicaOf: ${replicaOf} is not a node of the cluster`);
  if (master.role !== 'master')
    throw failure(FailureType.NotAMaster, `replicaOf: ${replicaOf} is a replica; a new node can only replicate a master`);
  return master.id;
}

async function addNodeUnderMutex(input: RedisAddNodeInput): Promise<RedisAddNodeResult> {
  const progress = trackProgress(false);
  const view = await preflightTopology(progress);
  const masterId = chooseMaster(view, input.replicaOf);
  if (view.nodes.some((n) => n.port === input.port)) {
    throw failure(
      FailureType.NodeNotEmpty,
      `port: 127.0.0.1:${input.port} is already a node of the cluster; pick a free port (extra nodes go from REDIS_BASE_PORT+6)`,
    );
  }

  progress.step = 'start';
  progress.detail = `starting redis-server on 127.0.0.1:${input.port}`;
  await redisQuick.startRedisNode({ port: input.port });
  const node = await redisQuick.inspectRedisNode({ port: input.port });
  if (node.knownNodes > 1 || node.slots > 0 || node.keys > 0) {
    throw failure(
      FailureType.NodeNotEmpty,
      `port: the node on 127.0.0.1:${input.port} is not empty (knows ${node.knownNodes} nodes, serves ${node.slots} slots, holds ${node.keys} keys); reset or remove it first`,
    );
  }

  progress.step = 'meet';
  progress.detail = `CLUSTER MEET and waiting until every node knows ${node.id}`;
  await redisQuick.meetRedisNode({ port: input.port, deadlineEpochMs: Date.now() + input.joinTimeoutSeconds * 1000 });
  progress.done.push(`joined ${node.id}`);

  if (masterId) {
    progress.step = 'replicate';
    progress.detail = `making ${node.id} a replica of ${masterId}`;
    await redisQuick.replicateRedisNode({ port: input.port, masterId, deadlineEpochMs: Date.now() + input.joinTimeoutSeconds * 1000 });
    progress.done.push(`replicates ${masterId}`);
  }
  progress.step = 'done';
  return { nodeId: node.id, port: input.port, role: masterId ? 'replica' : 'master', masterId };
}
