// Lets the user name a Redis node by port or host:port as well as by its 40-hex node id.
import type { Cluster } from 'ioredis';
import { clusterNodes, type ClusterNode } from '../read-models/redis-nodes';
import { CliError, ExitCode } from './errors';
import { NODE_ID } from './operations';

/** A node id as given, or the id of the node at that port / host:port. */
export async function resolveNodeId(redis: () => Cluster, given: string): Promise<string> {
  if (NODE_ID.test(given)) return given;
  const address = /^\d+$/.test(given) ? `127.0.0.1:${given}` : given;
  if (!/^(127\.0\.0\.1|localhost):\d+$/.test(address)) {
    throw new CliError(
      `"${given}" is neither a node id (40 hex characters) nor a port or 127.0.0.1:port`,
      ExitCode.usage,
      'take the node ids and ports from `jarvis-scale status`',
    );
  }
  let nodes: ClusterNode[];
  try {
    nodes = await clusterNodes(redis());
  } catch (error) {
    throw new CliError(
      `cannot read CLUSTER NODES to find ${given} (${(error as Error).message})`,
      ExitCode.failed,
      'check the Redis Cluster: bash infra/redis/manage-cluster.sh status',
    );
  }
  const node = nodes.find((n) => n.address === address.replace('localhost', '127.0.0.1'));
  if (!node)
    throw new CliError(
      `no Redis Cluster node listens on ${address}`,
      ExitCode.usage,
      'take the node ids and ports from `jarvis-scale status`',
    );
  return node.id;
}
