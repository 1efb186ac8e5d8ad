// Lets the user name a Redis node by port or host:port (any host) as well as by its 40-hex node id.
import type { Cluster } from 'ioredis';
import { clusterNodes, type ClusterNode } from '../read-models/redis-nodes';
import { CliError, ExitCode } from './errors';
import { NODE_ID } from './operations';

/** A node id as given, or the id of the node at that port / host:port. */
export async function resolveNodeId(redis: () => Cluster, given: string): Promise<string> {
  if (NODE_ID.test(given)) return given;
  const byPort = /^\d+$/.test(given);
  if (!byPort && !/^[A-Za-z0-9._[\]:-]+:\d+$/.test(given)) {
    throw new CliError(
      `"${given}" is neither a node id (40 hex characters) nor a port or host:port`,
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
  // A port alone names the node on that port, whatever its host, when only one has it.
  const matching = nodes.filter((n) =>
    byPort ? n.address.endsWith(`:${given}`) : n.address === given.replace(/^localhost:/, '127.0.0.1:'),
  );
  if (matching.length > 1)
    throw new CliError(
      `${matching.length} nodes listen on port ${given} (${matching.map((n) => n.address).join(', ')})`,
      ExitCode.usage,
      'name the node by host:port or by its id',
    );
  if (!matching.length)
    throw new CliError(
      `no Redis Cluster node listens on ${byPort ? `port ${given}` : given}`,
      ExitCode.usage,
      'take the node ids and ports from `jarvis-scale status`',
    );
  return matching[0].id;
}
