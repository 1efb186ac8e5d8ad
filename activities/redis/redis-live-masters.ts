// A master that dies during a migration is replaced by its replica (the cluster's own
// failover). The migration's plan still names the dead node, and every attempt of the chunk
// failed on it, forever (found by the chaos harness: a master SIGKILLed mid-rebalance left
// migrateRedisSlots retrying against a closed port). Each attempt therefore starts from the
// live cluster: a planned source or target that is no longer a live master is replaced by
// its heir, and only live masters are told a slot's new owner.
import type { ClusterView } from '../../policy/redis/redis-cluster-view';
import type { Heirs } from '../../policy/redis/redis-slot-heirs';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import { anyView, type RedisNodePool } from './redis-cluster-connections';

const ref = (n: NodeRef): NodeRef => ({ id: n.id, host: n.host, port: n.port });

/**
 * The live master standing for `planned`: itself when it is one; otherwise the one live
 * master that was not a master when the plan was made (its promoted replica). Undefined when
 * that is not clear (then the attempt keeps the planned node, and fails and retries).
 */
export function heirOf(view: ClusterView, planned: NodeRef, plannedMasters: NodeRef[]): NodeRef | undefined {
  const live = view.nodes.filter((n) => n.role === 'master' && !n.failing);
  if (live.some((n) => n.id === planned.id)) return planned;
  const promoted = live.filter((n) => !plannedMasters.some((m) => m.id === n.id));
  return promoted.length === 1 ? ref(promoted[0]) : undefined;
}

export interface LiveEnds {
  source: NodeRef;
  target: NodeRef;
  otherMasters: NodeRef[];
  /** What was replaced, for the activity's log and heartbeat. */
  replaced: string[];
  /** The dead ends and their heirs: slot states on the live end may still name the dead one. */
  heirs: Heirs;
}

export async function liveEnds(
  pool: RedisNodePool,
  input: { source: NodeRef; target: NodeRef; otherMasters: NodeRef[] },
): Promise<LiveEnds> {
  const view = await anyView(pool);
  const planned = [input.source, input.target, ...input.otherMasters];
  const source = heirOf(view, input.source, planned) ?? input.source;
  const target = heirOf(view, input.target, planned) ?? input.target;
  const replaced = [
    source.id !== input.source.id ? `source ${input.source.port} -> ${source.port}` : '',
    target.id !== input.target.id ? `target ${input.target.port} -> ${target.port}` : '',
  ].filter(Boolean);
  const heirs: Heirs = {
    ...(source.id !== input.source.id ? { source: { dead: input.source.id, heir: source.id } } : {}),
    ...(target.id !== input.target.id ? { target: { dead: input.target.id, heir: target.id } } : {}),
  };
  const liveIds = new Set(view.nodes.filter((n) => n.role === 'master' && !n.failing).map((n) => n.id));
  const otherMasters = view.nodes.filter((n) => liveIds.has(n.id)).map(ref);
  return { source, target, otherMasters: otherMasters.length ? otherMasters : input.otherMasters, replaced, heirs };
}
