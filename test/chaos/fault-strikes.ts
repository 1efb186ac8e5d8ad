// Strikes a trial's platform faults (faults.ts) at their moments after the operation
// started, each recorded with its planned and actual time, its victim and what the workflow
// was running; and, after the operation, brings back what only the harness restarts (a
// killed Redis node: the cluster's own failover already replaced it, and our workflows do not
// start processes of Redis nodes they did not add). PostgreSQL servers, app instances and the
// upstream are left to the product: pgMonitor, the operations and healthRouter.
import type { Client } from '@temporalio/client';
import { writableNow, type PgName } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { clusterView, withNode } from '../../testkit/redis';
import { readRoutes } from '../../testkit/upstream';
import { expandRanges } from '../../policy/redis/redis-cluster-view';
import { killPostgres, otherPgNames, redisPid, restartNginx, restartRedisNode, runningRewind, sigkill } from './fault-targets';
import type { FaultPlan } from './faults';
import { instanceProcesses } from './invariants/instances';
import { sleep } from './invariants/types';
import type { FaultRecord } from './report';
import { workflowStatus } from './strikes';

export interface FaultContext {
  client: Client;
  workflowId: string;
  opStart: number;
  /** The instances that ran before the operation (a new one is the scale-up's). */
  instancesBefore: string[];
  input: Record<string, unknown>;
  /** True once the workflow closed: a fault still waiting for its target gives up. */
  closed: () => boolean;
}

type Victim =
  | { victim: string; killedAt: number; detail?: string; redisPort?: number; redisSlots?: number[]; downMs?: number; appPort?: number }
  | undefined;

const pickFrom = <T>(items: T[], pick: number): T | undefined => items[Math.min(items.length - 1, Math.floor(pick * items.length))];

/** Polls `find` from now until `untilMs` after the start; undefined when the target never showed. */
async function waitFor<T>(find: () => Promise<T | undefined> | T | undefined, ctx: FaultContext, untilMs: number): Promise<T | undefined> {
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() - ctx.opStart > untilMs || ctx.closed()) return undefined;
    await sleep(100);
  }
}

async function strikePostgres(fault: FaultPlan, ctx: FaultContext): Promise<Victim> {
  if (fault.target === 'rewind-source' || fault.target === 'rewind-other') {
    const rewind = await waitFor(runningRewind, ctx, fault.atMs);
    if (!rewind) return undefined;
    const name = fault.target === 'rewind-source' ? rewind.source : pickFrom(otherPgNames(rewind.rewound, rewind.source), fault.pick);
    if (!name) return undefined;
    const killedAt = Date.now();
    return { victim: await killPostgres(name), killedAt, detail: `while pg_rewind rewound ${rewind.rewound} from ${rewind.source ?? '?'}` };
  }
  const writable = await writableNow();
  const primary: PgName | undefined = writable[0];
  const name = fault.target === 'primary' ? primary : pickFrom(otherPgNames(primary), fault.pick);
  if (!name) return undefined;
  const killedAt = Date.now();
  return { victim: await killPostgres(name), killedAt, detail: `writable before: ${writable.join(', ') || 'none'}` };
}

/** The topology activities that change the cluster (a kill during the preflight only makes the operation refuse to start). */
const CHANGING =
  /^(migrateRedisSlots|meetRedisNode|startRedisNode|replicateRedisNode|forgetRedisNode|repointRedisReplicas|stopAndDeleteRedisNode|closeRedisSlot|failoverRedisReplica)$/;

async function strikeRedis(fault: FaultPlan, ctx: FaultContext): Promise<Victim> {
  if (fault.waitsForTarget) {
    const changing = await waitFor(
      async () => (await workflowStatus(ctx.client, ctx.workflowId)).activities.find((a) => CHANGING.test(a)),
      ctx,
      fault.atMs,
    );
    if (!changing) return undefined;
  }
  const nodes = (await clusterView()).nodes.filter((n) => ports.redis.includes(n.port) && !n.failing);
  const candidates =
    fault.target === 'master' ? nodes.filter((n) => n.role === 'master' && n.slots.length > 0) : nodes.filter((n) => n.role === 'replica');
  const node = pickFrom(candidates, fault.pick);
  if (!node) return undefined;
  const pid = redisPid(node.port);
  const killedAt = Date.now();
  await sigkill(pid);
  return {
    victim: `${node.role} ${node.host}:${node.port} (pid ${pid})`,
    killedAt,
    detail: node.role === 'master' ? `held ${expandRanges(node.slots).length} slots` : undefined,
    redisPort: node.port,
    redisSlots: node.role === 'master' ? expandRanges(node.slots) : [],
  };
}

async function strikeInstance(fault: FaultPlan, ctx: FaultContext): Promise<Victim> {
  const drained = typeof ctx.input.instance === 'string' ? ctx.input.instance : undefined;
  const target = await waitFor(
    async () => {
      if (Date.now() - ctx.opStart < fault.fromMs) return undefined;
      const processes = await instanceProcesses(SERVICE);
      if (fault.target === 'new-instance') return processes.find((p) => !ctx.instancesBefore.includes(p.name));
      // Being drained: still running, but out of the upstream (or marked down) by the operation.
      const routes = readRoutes();
      return processes.find((p) => (!drained || p.name === drained) && (routes[p.name] === undefined || routes[p.name] === 'down'));
    },
    ctx,
    fault.atMs,
  );
  if (!target) return undefined;
  const killedAt = Date.now();
  await sigkill(target.pid);
  return {
    victim: `${target.name} (pid ${target.pid}, port ${target.port})`,
    killedAt,
    appPort: target.port,
    detail: fault.target === 'new-instance' ? 'during its health wait' : 'during its drain',
  };
}

async function strikeOne(fault: FaultPlan, ctx: FaultContext): Promise<FaultRecord> {
  const wait = ctx.opStart + (fault.waitsForTarget ? fault.fromMs : fault.atMs) - Date.now();
  if (wait > 0) await sleep(wait);
  const base = { kind: fault.kind, target: fault.target, plannedAtMs: fault.atMs, waitedForTarget: fault.waitsForTarget };
  let victim: Victim;
  let error: string | undefined;
  try {
    if (fault.kind === 'pg-kill') victim = await strikePostgres(fault, ctx);
    else if (fault.kind === 'redis-kill') victim = await strikeRedis(fault, ctx);
    else if (fault.kind === 'app-kill') victim = await strikeInstance(fault, ctx);
    else victim = await restartNginx();
  } catch (e) {
    error = (e as Error).message.slice(0, 300);
  }
  const atMs = Date.now() - ctx.opStart;
  const { status, activities } = await workflowStatus(ctx.client, ctx.workflowId);
  if (!victim)
    return {
      ...base,
      atMs,
      struck: false,
      detail: error ?? 'the target never appeared in time',
      workflowStatus: status,
      pendingActivities: activities,
    };
  const { killedAt, ...struck } = victim;
  return {
    ...base,
    atMs,
    killedAtMs: killedAt - ctx.opStart,
    struck: true,
    ...struck,
    workflowStatus: status,
    pendingActivities: activities,
  };
}

/** Strikes every fault of the trial, each at its own moment (they run side by side). */
export async function strikeFaults(faults: FaultPlan[], ctx: FaultContext): Promise<FaultRecord[]> {
  return Promise.all(faults.map((fault) => strikeOne(fault, ctx)));
}

/**
 * A restarted master whose slots its replica took over turns itself into that replica's
 * replica once gossip reaches it; this waits for that (bounded), and past the bound makes it
 * the replica of the master that has none (what an operator would do).
 */
async function waitUntilReplica(port: number): Promise<string> {
  const peer = ports.redis.find((p) => p !== port) as number;
  for (let i = 0; i < 60; i++) {
    const view = await clusterView(peer).catch(() => undefined);
    const me = view?.nodes.find((n) => n.port === port);
    if (me && !me.failing && (me.role === 'replica' || me.slots.length > 0)) return me.role;
    await sleep(500);
  }
  const view = await clusterView(peer);
  const orphaned = view.nodes.find((n) => n.role === 'master' && n.slots.length > 0 && !view.nodes.some((r) => r.masterId === n.id));
  if (!orphaned) return 'an empty master, and no master lacks a replica';
  await withNode(port, (r) => r.call('CLUSTER', 'REPLICATE', orphaned.id));
  return `made the replica of ${orphaned.port} by the harness`;
}

/** After the operation: starts again the Redis nodes the trial killed, and waits until each is back in the cluster. */
export async function restartKilledRedisNodes(records: FaultRecord[]): Promise<string[]> {
  const actions: string[] = [];
  for (const record of records.filter((r) => r.kind === 'redis-kill' && r.struck && r.redisPort !== undefined)) {
    const port = record.redisPort as number;
    const began = Date.now();
    await restartRedisNode(port);
    const role = await waitUntilReplica(port);
    record.recoveredBy = `harness: node ${port} started again, back as ${role} in ${Date.now() - began} ms`;
    actions.push(`restarted Redis node ${port} (${role})`);
  }
  return actions;
}
