// Adding and removing cluster nodes: start/stop through infra/redis/manage-cluster.sh,
// MEET, REPLICATE, FORGET and RESET. Every activity reads the current state first, so a
// retry after a crash finds the step done and returns.
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { heartbeat, sleep } from '@temporalio/activity';
import { address, type ClusterNode } from '../../policy/redis/redis-cluster-view';
import { isBaseNodePort, masterWithFewestReplicas } from '../../policy/redis/redis-membership';
import { FailureType, permanentFailure } from '../common/errors';
import { anyView, viewFrom, type RedisNodePool } from './redis-cluster-connections';

const run = promisify(execFile);

export interface MembershipConfig {
  manageScript: string;
  /** $JARVIS_STATE_DIR/redis: one folder per node port. */
  redisStateDir: string;
  stateDir: string;
  basePort: number;
}

export interface NodeInspection {
  id: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  knownNodes: number;
  slots: number;
  keys: number;
  /** The cluster (as a seed sees it) lists this node. */
  member: boolean;
}

const local = (port: number) => ({ host: '127.0.0.1', port });

export function createRedisMembershipActivities(pool: RedisNodePool, config: MembershipConfig) {
  const script = async (args: string[]) => {
    // execFile with an argument array: nothing from the input reaches a shell.
    await run('bash', [config.manageScript, ...args], {
      env: { ...process.env, JARVIS_STATE_DIR: config.stateDir, REDIS_BASE_PORT: String(config.basePort) },
      timeout: 60_000,
    });
  };

  async function inspect(port: number): Promise<NodeInspection> {
    const view = await viewFrom(pool, local(port));
    const me = view.nodes.find((n) => n.myself) as ClusterNode;
    const seed = await anyView(pool);
    const keys = Number(await pool.node(local(port)).call('DBSIZE'));
    return {
      id: me.id,
      port,
      role: me.role,
      masterId: me.masterId,
      knownNodes: view.nodes.length,
      slots: me.slots.reduce((n, [a, b]) => n + b - a + 1, 0),
      keys,
      member: seed.nodes.some((n) => n.id === me.id),
    };
  }

  async function waitUntil<T>(what: string, deadlineEpochMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 100_000; i++) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadlineEpochMs) throw new Error(`timed out waiting until ${what}`);
      heartbeat({ waiting: what });
      await sleep(200);
    }
    throw new Error(`gave up waiting until ${what}`);
  }

  return {
    /** Starts redis-server on the port with the cluster's settings (no-op when it runs). */
    async startRedisNode(input: { port: number }): Promise<void> {
      await script(['start-node', String(input.port)]);
    },

    async inspectRedisNode(input: { port: number }): Promise<NodeInspection> {
      return inspect(input.port);
    },

    /** CLUSTER MEET, then waits until every node knows the new one and it knows them all. */
    async meetRedisNode(input: { port: number; deadlineEpochMs: number }): Promise<NodeInspection> {
      const seedView = await anyView(pool);
      const node = await inspect(input.port);
      if (!node.member) {
        const seed = seedView.nodes.find((n) => n.myself) as ClusterNode;
        await pool.node(local(input.port)).call('CLUSTER', 'MEET', seed.host, String(seed.port));
      }
      const healthy = seedView.nodes.filter((n) => !n.failing && n.id !== node.id);
      await waitUntil(`every node knows ${input.port}`, input.deadlineEpochMs, async () => {
        const views = await Promise.all([...healthy, local(input.port)].map((n) => viewFrom(pool, n)));
        const ok =
          views.every((v) => v.nodes.some((n) => n.id === node.id && !n.failing)) &&
          views[views.length - 1].nodes.filter((n) => !n.failing).length >= healthy.length + 1;
        return ok ? true : undefined;
      });
      return inspect(input.port);
    },

    /** Makes the node a replica of masterId and waits until its replication link is up. */
    async replicateRedisNode(input: { port: number; masterId: string; deadlineEpochMs: number }): Promise<void> {
      const node = await inspect(input.port);
      if (node.role !== 'replica' || node.masterId !== input.masterId) {
        await pool.node(local(input.port)).call('CLUSTER', 'REPLICATE', input.masterId);
      }
      await waitUntil(
        `${input.port} replicates ${input.masterId} with its link up, and every node knows it`,
        input.deadlineEpochMs,
        async () => {
          const info = (await pool.node(local(input.port)).call('INFO', 'replication')) as string;
          if (!/master_link_status:up/.test(info)) return undefined;
          const seed = await anyView(pool);
          const views = await Promise.all(seed.nodes.filter((n) => !n.failing).map((n) => viewFrom(pool, n)));
          return views.every((v) => v.nodes.some((n) => n.id === node.id && n.role === 'replica' && n.masterId === input.masterId))
            ? true
            : undefined;
        },
      );
    },

    /** Points every replica of nodeId at the master (other than nodeId) with the fewest replicas. */
    async repointRedisReplicas(input: { nodeId: string; deadlineEpochMs: number }): Promise<string[]> {
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
    },

    /**
     * CLUSTER FORGET on every other node, all at once (a forgotten id is banned for 60 s,
     * after which gossip would bring it back), then CLUSTER RESET HARD on the node itself,
     * so that it no longer knows, and gossips to, the cluster.
     */
    async forgetRedisNode(input: { nodeId: string; port: number; deadlineEpochMs: number }): Promise<{ forgotBy: number }> {
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
      if (failed.length > 0)
        throw new Error(`CLUSTER FORGET failed on ${failed.length} nodes: ${(failed[0] as PromiseRejectedResult).reason}`);
      try {
        const view = await viewFrom(pool, local(input.port));
        const me = view.nodes.find((n) => n.myself);
        if (me?.id === input.nodeId && view.nodes.length > 1) await pool.node(local(input.port)).call('CLUSTER', 'RESET', 'HARD');
      } catch (error) {
        // A node that no longer answers cannot gossip either; anything else is a real failure.
        if (!/ECONNREFUSED|Connection is closed|connect/.test((error as Error).message)) throw error;
      }
      await waitUntil(`no node lists ${input.nodeId}`, input.deadlineEpochMs, async () => {
        const views = await Promise.all(others.map((n) => viewFrom(pool, n)));
        return views.every((v) => !v.nodes.some((x) => x.id === input.nodeId)) ? true : undefined;
      });
      return { forgotBy: results.filter((r) => r.status === 'fulfilled' && r.value).length };
    },

    /** Stops the node and deletes its state folder, so `manage-cluster.sh start` won't start it again. */
    async stopAndDeleteRedisNode(input: { port: number }): Promise<void> {
      if (isBaseNodePort(input.port, config.basePort)) {
        throw permanentFailure(FailureType.InvalidInput, `port ${input.port} is one of the base cluster's ports; its folder is kept`);
      }
      await script(['stop-node', String(input.port)]);
      const dir = path.join(config.redisStateDir, String(input.port));
      if (path.dirname(dir) !== config.redisStateDir) throw new Error(`refusing to delete ${dir}`);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
