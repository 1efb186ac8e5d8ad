// The Redis commands a slot migration sends, shared by its pipelined path and its careful
// per-step path: MIGRATE's arguments (with the password, so never logged), reading one slot's
// state out of a node's CLUSTER NODES, error replies told by their code, and error text with
// the password scrubbed.
import type { ClusterView } from '../../policy/redis/redis-cluster-view';
import type { NodeRef } from '../../policy/redis/redis-slot-plan';
import type { SlotSide } from '../../policy/redis/redis-slot-steps';
import { viewFrom, type RedisNodePool } from './redis-cluster-connections';

/** MIGRATE host port "" 0 timeout [REPLACE] [AUTH pw] KEYS k…; the source drops a key only once the target acknowledged it. */
export function migrateArgs(pool: RedisNodePool, target: NodeRef, keys: string[], timeoutMs: number, replace: boolean): string[] {
  const args: string[] = [target.host, String(target.port), '', '0', String(timeoutMs)];
  if (replace) args.push('REPLACE');
  if (pool.password) args.push('AUTH', pool.password);
  args.push('KEYS', ...keys);
  return args;
}

/**
 * Whether `error` is the Redis error reply `code`: ioredis hands "-IOERR …" over as a
 * ReplyError whose message starts with the code, so the match is anchored there.
 */
export function isErrorReply(error: unknown, code: 'IOERR' | 'BUSYKEY'): boolean {
  return error instanceof Error && new RegExp(`^${code} `).test(error.message);
}

export function errorText(error: unknown, pool: RedisNodePool): string {
  const text = error instanceof Error ? error.message : String(error);
  return pool.password ? text.split(pool.password).join('***') : text;
}

/** What `view` (one node's own CLUSTER NODES) says about `slot`. */
export function sideOf(view: ClusterView, slot: number): SlotSide {
  const me = view.nodes.find((n) => n.myself);
  const owner = view.nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b));
  return {
    owner: owner?.id ?? null,
    migratingTo: me?.migrating.find((m) => m.slot === slot)?.to ?? null,
    importingFrom: me?.importing.find((i) => i.slot === slot)?.from ?? null,
  };
}

export async function slotSide(pool: RedisNodePool, node: NodeRef, slot: number): Promise<SlotSide> {
  return sideOf(await viewFrom(pool, node), slot);
}

/** Runs commands on one node in one round trip; each reply is a value or the error it got. */
export async function pipelined(
  pool: RedisNodePool,
  node: NodeRef,
  commands: string[][],
): Promise<Array<{ error: Error | null; value: unknown }>> {
  if (commands.length === 0) return [];
  const pipeline = pool.node(node).pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, ...args);
  const replies = (await pipeline.exec()) ?? [];
  return commands.map((_, i) => ({ error: replies[i]?.[0] ?? (replies[i] ? null : new Error('no reply')), value: replies[i]?.[1] }));
}
