// Two membership rules that the workflows and the activities both apply, each in one place.

import { masters, type ClusterNode, type ClusterView } from './redis-cluster-view';

/**
 * The base cluster is six nodes on REDIS_BASE_PORT..REDIS_BASE_PORT+5 (three masters, three
 * replicas, built by infra/redis). They are never removed and their folders never deleted:
 * the stack scripts start exactly those six, so removing one would leave the next start short
 * of a master. Extra nodes go from REDIS_BASE_PORT+6.
 */
export const BASE_NODE_COUNT = 6;

export function isBaseNodePort(port: number, basePort: number): boolean {
  return port >= basePort && port < basePort + BASE_NODE_COUNT;
}

/**
 * The master a new or orphaned replica should follow: among masters that own slots (a
 * master with none serves nothing worth a replica) and are not `excludeId` (the node being
 * removed), the one with the fewest replicas, ties to the lowest port, so the choice is
 * deterministic. Replicas are counted from the view as it is now, so a caller that re-points
 * several replicas one by one and updates the view spreads them. Null when no master qualifies.
 */
export function masterWithFewestReplicas(view: ClusterView, excludeId?: string): ClusterNode | null {
  const replicaCount = (id: string) => view.nodes.filter((n) => n.masterId === id).length;
  const candidates = masters(view)
    .filter((m) => m.id !== excludeId && m.slots.length > 0)
    .sort((a, b) => replicaCount(a.id) - replicaCount(b.id) || a.port - b.port);
  return candidates[0] ?? null;
}
