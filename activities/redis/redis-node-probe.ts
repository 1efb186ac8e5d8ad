// What the membership steps read about one node, how they wait for the cluster to agree, and
// how they tell a node that no longer answers from one that answered with an error.
import { heartbeat, sleep } from '@temporalio/activity';
import { ReplyError, type Redis } from 'ioredis';
import type { ClusterNode } from '../../policy/redis/redis-cluster-view';
import { anyView, viewFrom, type RedisEndpoint, type RedisNodePool } from './redis-cluster-connections';

export interface NodeInspection {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  knownNodes: number;
  slots: number;
  keys: number;
  /** The cluster (as a seed sees it) lists this node. */
  member: boolean;
}

/** A node named by host:port, or by its port alone (histories from before nodes had a host: REDIS_HOST). */
export interface NodeTarget {
  host?: string;
  port: number;
}

/** Where the node is reached. */
export const local = (pool: RedisNodePool, target: NodeTarget): RedisEndpoint =>
  target.host ? { host: target.host, port: target.port } : pool.ownNode(target.port);

export async function inspectNode(pool: RedisNodePool, target: NodeTarget): Promise<NodeInspection> {
  const { host, port } = local(pool, target);
  const view = await viewFrom(pool, { host, port });
  const me = view.nodes.find((n) => n.myself) as ClusterNode;
  const seed = await anyView(pool);
  const keys = Number(await pool.node({ host, port }).call('DBSIZE'));
  return {
    id: me.id,
    host,
    port,
    role: me.role,
    masterId: me.masterId,
    knownNodes: view.nodes.length,
    slots: me.slots.reduce((n, [a, b]) => n + b - a + 1, 0),
    keys,
    member: seed.nodes.some((n) => n.id === me.id),
  };
}

/** Polls `probe` until it returns a value; heartbeats each poll, and its sleep ends when the activity is cancelled. */
export async function waitUntil<T>(what: string, deadlineEpochMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100_000; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadlineEpochMs) throw new Error(`timed out waiting until ${what}`);
    heartbeat({ waiting: what });
    await sleep(200);
  }
  throw new Error(`gave up waiting until ${what}`);
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE']);

/**
 * The node did not answer: a socket error code, ioredis giving up on the request, or a
 * connection that is not ready. An error reply (ReplyError) means it answered.
 */
export function isUnreachable(error: unknown, connection: Redis): boolean {
  if (error instanceof ReplyError) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return (error as Error).name === 'MaxRetriesPerRequestError' || connection.status !== 'ready';
}
