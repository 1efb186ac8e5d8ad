// Puts the platform back to its starting shape between trials, through the workflows
// themselves (on the chaos task queue, with a live worker): 3 app instances, the base six
// Redis nodes with every slot covered and none open, and a healthy PostgreSQL cluster.
// Each step is bounded; what cannot be restored is reported, and the run stops.
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { clusterView, extraNodeFolders } from '../../testkit/redis';
import { instanceProcesses, noOrphanOrDuplicate } from './invariants/instances';
import { exactlyOnePrimary } from './invariants/postgres';
import { slotsCoveredNoneOpen } from './invariants/redis';

export const BASE_INSTANCES = 3;
const SCALE_MUTEX = `scale/${SERVICE}`;

async function closeIfRunning(client: Client, workflowId: string): Promise<string | undefined> {
  const d = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  if (d?.status.name !== 'RUNNING') return undefined;
  await client.workflow.getHandle(workflowId).terminate('chaos harness: restoring the platform after a trial');
  return `terminated a still-running ${workflowId}`;
}

async function execute(
  client: Client,
  taskQueue: string,
  type: string,
  workflowId: string,
  input: unknown,
  timeoutMs = 180_000,
): Promise<unknown> {
  const handle = await client.workflow.start(type, { taskQueue, workflowId, args: [input], workflowExecutionTimeout: timeoutMs });
  return handle.result();
}

export async function restoreInstances(client: Client, taskQueue: string): Promise<string[]> {
  const actions: string[] = [];
  const closed = await closeIfRunning(client, SCALE_MUTEX);
  if (closed) actions.push(closed);
  // The no-orphan check also covers what only the orchestrator sees (a stopped container),
  // which would push a scale-up over MAX_INSTANCES.
  const orphans = await noOrphanOrDuplicate(SERVICE);
  if (!orphans.ok) {
    await resetPlatform(client);
    actions.push(`reset the platform (${orphans.detail})`);
  }
  const count = new Set((await instanceProcesses(SERVICE)).map((p) => p.name)).size;
  if (count < BASE_INSTANCES) {
    await execute(client, taskQueue, 'scaleUp', SCALE_MUTEX, { service: SERVICE, count: BASE_INSTANCES - count, cooldownSeconds: 0 });
    actions.push(`scaleUp ${count} -> ${BASE_INSTANCES}`);
  } else if (count > BASE_INSTANCES) {
    await execute(client, taskQueue, 'scaleDown', SCALE_MUTEX, {
      service: SERVICE,
      count: count - BASE_INSTANCES,
      cooldownSeconds: 0,
      drainTimeoutSeconds: 5,
    });
    actions.push(`scaleDown ${count} -> ${BASE_INSTANCES}`);
  }
  return actions;
}

export async function restoreRedis(client: Client, taskQueue: string): Promise<string[]> {
  const actions: string[] = [];
  const closed = await closeIfRunning(client, REDIS_MUTEX_ID);
  if (closed) actions.push(closed);
  // A failed node that is not one of the six is a ghost (a removal's CLUSTER FORGET that a dead
  // node missed): redisFix forgets it, the product's way, as it closes open slots.
  const ghosts = (await clusterView()).nodes.filter((n) => n.failing && !ports.redis.includes(n.port));
  if (ghosts.length > 0 || !(await slotsCoveredNoneOpen(ports.redis[0], 5_000)).ok) {
    const fixed = (await execute(client, taskQueue, 'redisFix', REDIS_MUTEX_ID, {})) as {
      ghosts?: Array<{ address: string; forget: boolean }>;
    };
    const forgot = (fixed.ghosts ?? []).filter((g) => g.forget).map((g) => g.address);
    actions.push(`redisFix${forgot.length ? ` (forgot ${forgot.join(', ')})` : ''}`);
  }
  const extra = (await clusterView()).nodes.filter((n) => !ports.redis.includes(n.port));
  // Replicas first: removing them moves no slot.
  for (const node of extra.sort((a, b) => (a.role === b.role ? 0 : a.role === 'replica' ? -1 : 1))) {
    await execute(client, taskQueue, 'redisRemoveNode', REDIS_MUTEX_ID, { nodeId: node.id });
    actions.push(`redisRemoveNode ${node.port}`);
  }
  const view = await clusterView();
  const masters = view.nodes.filter((n) => n.role === 'master');
  if (view.nodes.length !== 6 || masters.length !== 3 || masters.some((m) => m.slots.length === 0)) {
    throw new Error(`the Redis cluster is not the base 3 + 3 after restoring: ${view.nodes.map((n) => `${n.port}:${n.role}`).join(', ')}`);
  }
  if (extraNodeFolders().length > 0) throw new Error(`extra Redis node folders left: ${extraNodeFolders().join(', ')}`);
  return actions;
}

/** A failover or rejoin pgMonitor started (after a kill) is left to finish; only one still running after `timeoutMs` is ended. */
async function waitForClosed(client: Client, workflowId: string, timeoutMs: number): Promise<string | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const began = Date.now();
  const running = async () => (await handle.describe().catch(() => undefined))?.status.name === 'RUNNING';
  if (!(await running())) return undefined;
  while (Date.now() - began < timeoutMs && (await running())) await new Promise((r) => setTimeout(r, 1_000));
  if (!(await running())) return `waited ${Date.now() - began} ms for a running ${workflowId} to finish`;
  return closeIfRunning(client, workflowId);
}

export async function restorePostgres(client: Client): Promise<string[]> {
  const actions: string[] = [];
  const closed = await waitForClosed(client, 'pg-failover/main', 120_000);
  if (closed) actions.push(closed);
  const { result } = await exactlyOnePrimary(120_000);
  if (!result.ok) throw new Error(`the PostgreSQL cluster is not healthy after 120 s: ${result.detail}`);
  return actions;
}

/** Restores all three parts; returns what it did. Throws when the platform cannot be made valid again. */
export async function restorePlatform(client: Client, taskQueue: string): Promise<string[]> {
  return [...(await restorePostgres(client)), ...(await restoreRedis(client, taskQueue)), ...(await restoreInstances(client, taskQueue))];
}
