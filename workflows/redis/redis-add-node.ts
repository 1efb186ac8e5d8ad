// redisAddNode: start an empty node with the cluster's settings, MEET it, wait until every
// node knows it, and optionally make it a replica (of a named master, or "auto": the master
// with the fewest replicas). Every check that can refuse runs before anything starts. The node
// is named by its host:port; an input that gives only a port means that port on REDIS_HOST.
import { patched } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { address, nodeById, type ClusterView } from '../../policy/redis/redis-cluster-view';
import { layoutOrDefault, nodeAtPort, sameNode } from '../../policy/redis/redis-node-address';
import { masterWithFewestReplicas } from '../../policy/redis/redis-membership';
import { parseRedisAddNodeInput, type RedisAddNodeInput } from '../../policy/redis/redis-input';
import { failure, validInput, preflightTopology, redisQuick, trackProgress, underRedisMutex } from './redis-common';

export interface RedisAddNodeResult {
  nodeId: string;
  /** "host:port" of the new node. */
  address: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
}

export async function redisAddNode(rawInput: unknown): Promise<RedisAddNodeResult> {
  const input = validInput('redisAddNode', parseRedisAddNodeInput(rawInput));
  const named = input.address ? address(input.address) : `port ${input.port}`;
  return underRedisMutex(redisAddNode, 'redisAddNode', rawInput, `redisAddNode ${named}`, () => addNodeUnderMutex(input));
}

/** Histories recorded before nodes were named by host:port passed the activities a port alone. */
export const NODE_ADDRESS_PATCH = 'redis-nodes-by-address';

/** The new node's host and port; the host is missing only when replaying a history from before the patch. */
async function newNodeAddress(input: RedisAddNodeInput): Promise<{ host?: string; port: number }> {
  if (input.address) return input.address;
  const port = input.port as number;
  if (!patched(NODE_ADDRESS_PATCH)) return { port };
  return nodeAtPort(layoutOrDefault(await redisQuick.redisClusterSettings()), port);
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
  const target = await newNodeAddress(input);
  const { host, port } = target;
  const where = `${host ?? '127.0.0.1'}:${port}`;
  const field = input.address ? 'address' : 'port';
  if (view.nodes.some((n) => (host === undefined ? n.port === port : sameNode(n, { host, port })))) {
    throw failure(FailureType.NodeNotEmpty, `${field}: ${where} is already a node of the cluster; pick a free host:port`);
  }

  progress.step = 'start';
  progress.detail = `starting redis-server on ${where}`;
  await redisQuick.startRedisNode(target);
  const node = await redisQuick.inspectRedisNode(target);
  if (node.knownNodes > 1 || node.slots > 0 || node.keys > 0) {
    throw failure(
      FailureType.NodeNotEmpty,
      `${field}: the node on ${where} is not empty (knows ${node.knownNodes} nodes, serves ${node.slots} slots, holds ${node.keys} keys); reset or remove it first`,
    );
  }

  progress.step = 'meet';
  progress.detail = `CLUSTER MEET and waiting until every node knows ${node.id}`;
  await redisQuick.meetRedisNode({ ...target, deadlineEpochMs: Date.now() + input.joinTimeoutSeconds * 1000 });
  progress.done.push(`joined ${node.id}`);

  if (masterId) {
    progress.step = 'replicate';
    progress.detail = `making ${node.id} a replica of ${masterId}`;
    await redisQuick.replicateRedisNode({ ...target, masterId, deadlineEpochMs: Date.now() + input.joinTimeoutSeconds * 1000 });
    progress.done.push(`replicates ${masterId}`);
  }
  progress.step = 'done';
  const finalHost = host ?? node.host ?? '127.0.0.1';
  return {
    nodeId: node.id,
    address: `${finalHost}:${port}`,
    host: finalHost,
    port,
    role: masterId ? 'replica' : 'master',
    masterId,
  };
}
