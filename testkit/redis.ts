// The test stack's Redis Cluster: views, `redis-cli --cluster check`, and the check that a
// test file leaves it as it found it (6 nodes, 3 + 3, all slots covered, none open, no extra
// node folder).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis, { type RedisOptions } from 'ioredis';
import { address, coverageProblems, parseClusterNodes, type ClusterView } from '../policy/redis/redis-cluster-view';
import { nodeFolderName, type NodeAddress } from '../policy/redis/redis-node-address';
import { ports, redisHost, redisLayout, redisNodes } from './ports';
import { stackSecrets, stateDir } from './stack';

const run = promisify(execFile);

export function redisPassword(): string {
  return stackSecrets().REDIS_PASSWORD;
}

/** Env for a worker that operates the cluster: the password comes from the env, never from input. */
export function redisWorkerEnv(): Record<string, string> {
  return { REDIS_PASSWORD: redisPassword(), REDIS_BASE_PORT: String(ports.redis[0]) };
}

/** A node by host:port, or by its port alone (that port on REDIS_HOST). */
export type NodeRef = number | NodeAddress;
const endpoint = (node: NodeRef): NodeAddress => (typeof node === 'number' ? { host: redisHost(node), port: node } : node);

/** One connection to one node, as the control plane by default; `options` can connect as another user. */
export async function withNode<T>(node: NodeRef, fn: (redis: Redis) => Promise<T>, options: RedisOptions = {}): Promise<T> {
  const redis = new Redis({
    ...endpoint(node),
    password: redisPassword(),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    ...options,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export async function clusterView(node: NodeRef = redisNodes[0]): Promise<ClusterView> {
  return withNode(node, async (r) => parseClusterNodes((await r.call('CLUSTER', 'NODES')) as string, address(endpoint(node))));
}

/** `redis-cli --cluster check`: clean means exit 0 and neither a warning nor an error. */
export async function redisCliCheck(node: NodeRef = redisNodes[0]): Promise<{ clean: boolean; output: string }> {
  try {
    const { stdout } = await run('redis-cli', ['--cluster', 'check', address(endpoint(node))], {
      env: { ...process.env, REDISCLI_AUTH: redisPassword() },
      timeout: 30_000,
    });
    return { clean: !/\[WARNING\]|\[ERR\]/.test(stdout) && /All 16384 slots covered/.test(stdout), output: stdout };
  } catch (error) {
    return { clean: false, output: String((error as { stdout?: string }).stdout ?? error) };
  }
}

export function extraNodeFolders(): string[] {
  const dir = path.join(stateDir, 'redis');
  if (!existsSync(dir)) return [];
  const base = redisNodes.map((n) => nodeFolderName(redisLayout, n));
  return readdirSync(dir).filter((d) => /^(\d+|.+_\d+)$/.test(d) && !base.includes(d));
}

/** Polls until the base cluster is whole, or fails with what is still wrong. */
export async function assertBaseCluster(timeoutMs = 30_000): Promise<ClusterView> {
  const deadline = Date.now() + timeoutMs;
  let problem = '';
  for (let i = 0; i < 1000; i++) {
    problem = '';
    const views = await Promise.all(redisNodes.map((n) => clusterView(n)));
    const v = views[0];
    const masters = v.nodes.filter((n) => n.role === 'master');
    const problems = coverageProblems(views);
    if (v.nodes.length !== 6) problem = `${v.nodes.length} nodes, expected 6`;
    else if (masters.length !== 3 || masters.some((m) => m.slots.length === 0)) problem = `${masters.length} masters, each must own slots`;
    else if (problems.length > 0) problem = problems[0].detail;
    else if (views.some((x) => x.nodes.length !== 6)) problem = 'a node still knows a removed node';
    else if (extraNodeFolders().length > 0) problem = `extra node folders left: ${extraNodeFolders().join(', ')}`;
    else {
      const check = await redisCliCheck();
      if (!check.clean) problem = `redis-cli --cluster check is not clean:\n${check.output}`;
      else return v;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the base Redis cluster is not whole: ${problem}`);
}
