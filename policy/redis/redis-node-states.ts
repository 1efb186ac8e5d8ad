// How many nodes a Redis Cluster knows in each health state, from one node's CLUSTER NODES
// text: the figures behind jarvis_redis_cluster_nodes_total{state}.

export type RedisNodeState = 'ok' | 'pfail' | 'fail';

export const REDIS_NODE_STATES: readonly RedisNodeState[] = ['ok', 'pfail', 'fail'];

export interface RedisNodeHealth {
  address: string;
  state: RedisNodeState;
}

/**
 * `fail` is the cluster's agreement that a node is down; `fail?` is one node's suspicion.
 * A node still in handshake or without an address is not serving either, so it counts as
 * suspected rather than ok.
 */
export function stateOfFlags(flags: string[]): RedisNodeState {
  if (flags.includes('fail')) return 'fail';
  if (flags.some((f) => f === 'fail?' || f === 'handshake' || f === 'noaddr')) return 'pfail';
  return 'ok';
}

/** One entry per line of CLUSTER NODES; throws on a line without the id/address/flags fields. */
export function nodeHealth(clusterNodesText: string): RedisNodeHealth[] {
  return clusterNodesText
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags] = line.split(' ');
      if (!id || !address || !flags) throw new Error(`CLUSTER NODES line not understood: ${line}`);
      return { address: address.split('@')[0], state: stateOfFlags(flags.split(',')) };
    });
}

/** Every state appears, at 0 when no node is in it, so a dashboard or alert always has a series. */
export function countByState(nodes: RedisNodeHealth[]): Record<RedisNodeState, number> {
  const counts: Record<RedisNodeState, number> = { ok: 0, pfail: 0, fail: 0 };
  for (const node of nodes) counts[node.state] += 1;
  return counts;
}
