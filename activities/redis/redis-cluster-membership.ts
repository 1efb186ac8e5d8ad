// Adding and removing cluster nodes: start/stop through infra/redis/manage-cluster.sh,
// MEET, REPLICATE, FORGET and RESET. Every activity reads the current state first, so a
// retry after a crash finds the step done and returns. Each step is a function of its own;
// the factory at the end only binds them to the pool and the settings.
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { activityCancellation } from '../common/cancellation';
import { address, type ClusterNode } from '../../policy/redis/redis-cluster-view';
import { isBaseNode, masterWithFewestReplicas } from '../../policy/redis/redis-membership';
import { nodeFolderName, type RedisNodeLayout } from '../../policy/redis/redis-node-address';
import { FailureType, permanentFailure } from '../common/errors';
import { anyView, viewFrom, type RedisNodePool } from './redis-cluster-connections';
import { inspectNode, isUnreachable, local, waitUntil, type NodeInspection, type NodeTarget } from './redis-node-probe';

const run = promisify(execFile);

export interface MembershipConfig {
  manageScript: string;
  /** $JARVIS_STATE_DIR/redis: one folder per node (policy/redis/redis-node-address.ts nodeFolderName). */
  redisStateDir: string;
  stateDir: string;
  basePort: number;
  /** REDIS_HOST: node N's host, `{n}` standing for N (redis-node-address.ts). */
  host: string;
}

/** Runs manage-cluster.sh with an argument array (nothing from the input reaches a shell); a cancel kills it. */
async function manageScript(config: MembershipConfig, args: string[]): Promise<void> {
  await run('bash', [config.manageScript, ...args], {
    env: { ...process.env, JARVIS_STATE_DIR: config.stateDir, REDIS_BASE_PORT: String(config.basePort), REDIS_HOST: config.host },
    timeout: 60_000,
    signal: activityCancellation(),
  });
}

/** The script's name for a node: host:port (it takes a port alone too, but never needs to here). */
const scriptName = (pool: RedisNodePool, target: NodeTarget) => address(local(pool, target));

/** CLUSTER MEET, then waits until every node knows the new one and it knows them all. */
async function meetNode(pool: RedisNodePool, input: NodeTarget & { deadlineEpochMs: number }): Promise<NodeInspection> {
  const seedView = await anyView(pool);
  const node = await inspectNode(pool, input);
  const endpoint = local(pool, input);
  if (!node.member) {
    const seed = seedView.nodes.find((n) => n.myself) as ClusterNode;
    await pool.node(endpoint).call('CLUSTER', 'MEET', seed.host, String(seed.port));
  }
  const healthy = seedView.nodes.filter((n) => !n.failing && n.id !== node.id);
  await waitUntil(`every node knows ${address(endpoint)}`, input.deadlineEpochMs, async () => {
    const views = await Promise.all([...healthy, endpoint].map((n) => viewFrom(pool, n)));
    const ok =
      views.every((v) => v.nodes.some((n) => n.id === node.id && !n.failing)) &&
      views[views.length - 1].nodes.filter((n) => !n.failing).length >= healthy.length + 1;
    return ok ? true : undefined;
  });
  return inspectNode(pool, input);
}

/** Makes the node a replica of masterId and waits until its replication link is up. */
async function replicateNode(pool: RedisNodePool, input: NodeTarget & { masterId: string; deadlineEpochMs: number }): Promise<void> {
  const node = await inspectNode(pool, input);
  const endpoint = local(pool, input);
  if (node.role !== 'replica' || node.masterId !== input.masterId) {
    await pool.node(endpoint).call('CLUSTER', 'REPLICATE', input.masterId);
  }
  await waitUntil(
    `${address(endpoint)} replicates ${input.masterId} with its link up, and every node knows it`,
    input.deadlineEpochMs,
    async () => {
      const info = (await pool.node(endpoint).call('INFO', 'replication')) as string;
      if (!/master_link_status:up/.test(info)) return undefined;
      const seed = await anyView(pool);
      const views = await Promise.all(seed.nodes.filter((n) => !n.failing).map((n) => viewFrom(pool, n)));
      return views.every((v) => v.nodes.some((n) => n.id === node.id && n.role === 'replica' && n.masterId === input.masterId))
        ? true
        : undefined;
    },
  );
}

/** Points every replica of nodeId at the master (other than nodeId) with the fewest replicas. */
async function repointReplicas(pool: RedisNodePool, input: { nodeId: string; deadlineEpochMs: number }): Promise<string[]> {
  const view = await anyView(pool);
  const replicas = view.nodes.filter((n) => n.role === 'replica' && n.masterId === input.nodeId && !n.failing);
  const moved: string[] = [];
  for (const replica of replicas) {
    const best = masterWithFewestReplicas(view, input.nodeId);
    if (!best) throw permanentFailure(FailureType.NotEnoughSlots, `no other master owns slots to take replica ${address(replica)}`);
    await pool.node(replica).call('CLUSTER', 'REPLICATE', best.id);
    replica.masterId = best.id;
    moved.push(`${address(replica)} -> ${address(best)}`);
  }
  for (const replica of replicas) {
    await waitUntil(`${address(replica)} has its replication link up`, input.deadlineEpochMs, async () => {
      const info = (await pool.node(replica).call('INFO', 'replication')) as string;
      return /master_link_status:up/.test(info) ? true : undefined;
    });
  }
  return moved;
}

/**
 * CLUSTER FORGET on every other node, all at once (a forgotten id is banned for 60 s,
 * after which gossip would bring it back), then CLUSTER RESET HARD on the node itself,
 * so that it no longer knows, and gossips to, the cluster.
 */
async function forgetNode(
  pool: RedisNodePool,
  input: NodeTarget & { nodeId: string; deadlineEpochMs: number },
): Promise<{ forgotBy: number }> {
  const seed = await anyView(pool);
  const others = seed.nodes.filter((n) => n.id !== input.nodeId && !n.failing);
  const results = await Promise.allSettled(
    others.map(async (n) => {
      const view = await viewFrom(pool, n);
      if (!view.nodes.some((x) => x.id === input.nodeId)) return false;
      await pool.node(n).call('CLUSTER', 'FORGET', input.nodeId);
      return true;
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`CLUSTER FORGET failed on ${failed.length} nodes: ${(failed[0] as PromiseRejectedResult).reason}`);
  await resetForgottenNode(pool, input);
  await waitUntil(`no node lists ${input.nodeId}`, input.deadlineEpochMs, async () => {
    const views = await Promise.all(others.map((n) => viewFrom(pool, n)));
    return views.every((v) => !v.nodes.some((x) => x.id === input.nodeId)) ? true : undefined;
  });
  return { forgotBy: results.filter((r) => r.status === 'fulfilled' && r.value).length };
}

async function resetForgottenNode(pool: RedisNodePool, input: NodeTarget & { nodeId: string }): Promise<void> {
  const connection = pool.node(local(pool, input));
  try {
    const view = await viewFrom(pool, local(pool, input));
    const me = view.nodes.find((n) => n.myself);
    if (me?.id === input.nodeId && view.nodes.length > 1) await connection.call('CLUSTER', 'RESET', 'HARD');
  } catch (error) {
    // A node that no longer answers cannot gossip either; an error reply is a real failure.
    if (!isUnreachable(error, connection)) throw error;
  }
}

/** Stops the node and deletes its state folder, so `manage-cluster.sh start` won't start it again. */
async function stopAndDeleteNode(pool: RedisNodePool, config: MembershipConfig, input: NodeTarget): Promise<void> {
  const node = local(pool, input);
  const layout: RedisNodeLayout = { hostTemplate: config.host, basePort: config.basePort };
  if (isBaseNode(node, layout)) {
    throw permanentFailure(FailureType.InvalidInput, `${address(node)} is one of the base cluster's nodes; its folder is kept`);
  }
  const dir = path.join(config.redisStateDir, nodeFolderName(layout, node));
  if (path.dirname(dir) !== config.redisStateDir)
    throw permanentFailure(
      FailureType.InvalidInput,
      `${address(node)} names no folder inside ${config.redisStateDir}; nothing was deleted`,
    );
  await manageScript(config, ['stop-node', address(node)]);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export function createRedisMembershipActivities(pool: RedisNodePool, config: MembershipConfig) {
  return {
    /** Starts redis-server on host:port with the cluster's settings (no-op when it runs). */
    startRedisNode: async (input: NodeTarget): Promise<void> => manageScript(config, ['start-node', scriptName(pool, input)]),
    inspectRedisNode: async (input: NodeTarget): Promise<NodeInspection> => inspectNode(pool, input),
    meetRedisNode: (input: NodeTarget & { deadlineEpochMs: number }) => meetNode(pool, input),
    replicateRedisNode: (input: NodeTarget & { masterId: string; deadlineEpochMs: number }) => replicateNode(pool, input),
    repointRedisReplicas: (input: { nodeId: string; deadlineEpochMs: number }) => repointReplicas(pool, input),
    forgetRedisNode: (input: NodeTarget & { nodeId: string; deadlineEpochMs: number }) => forgetNode(pool, input),
    stopAndDeleteRedisNode: (input: NodeTarget) => stopAndDeleteNode(pool, config, input),
  };
}
