// Two membership rules that the workflows and the activities both apply, each in one place.

import { address, masters, type ClusterNode, type ClusterView } from './redis-cluster-view';

/**
 * The base cluster is six nodes (three masters, three replicas, built by infra/redis; where
 * they live: redis-node-address.ts). They are never removed and their folders never deleted:
 * the stack scripts start exactly those six, so removing one would leave the next start short
 * of a master.
 */
export { BASE_NODE_COUNT, isBaseNode } from './redis-node-address';

/**
 * The master a new or orphaned replica should follow: among masters that own slots (a
 * master with none serves nothing worth a replica) and are not `excludeId` (the node being
 * removed), the one with the fewest replicas, ties to the lowest port, then host, so the choice is
 * deterministic. Replicas are counted from the view as it is now, so a caller that re-points
 * several replicas one by one and updates the view spreads them. Null when no master qualifies.
 */
export function masterWithFewestReplicas(view: ClusterView, excludeId?: string): ClusterNode | null {
  const replicaCount = (id: string) => view.nodes.filter((n) => n.masterId === id).length;
  const candidates = masters(view)
    .filter((m) => m.id !== excludeId && m.slots.length > 0)
    .sort((a, b) => replicaCount(a.id) - replicaCount(b.id) || a.port - b.port || address(a).localeCompare(address(b)));
  return candidates[0] ?? null;
}
