// How the harness starts each operation: its workflow type, its mutex ID and an input
// chosen from the live platform with the trial's `pick`. Some need a step first that is not
// under chaos: pgFailover kills the primary's postmaster, redisRemoveNode first adds a node
// and moves slots onto it, so that removing it has work to do, redisRebalance first moves
// slots so the masters are uneven, and redisFix first leaves a slot open as an interrupted
// reshard would.
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { PG_NAMES, postmasterPid, primeMonitor, waitClusterHealthy } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { clusterView, withNode } from '../../testkit/redis';
import { instanceProcesses } from './invariants/instances';
import type { OperationName } from './plan';

export type Domain = 'scaling' | 'postgres' | 'redis';

export interface OperationContext {
  client: Client;
  taskQueue: string;
  pick: number;
  trialIndex: number;
}

export interface StartedOperation {
  workflowType: string;
  workflowId: string;
  input: Record<string, unknown>;
  /** What was done before the workflow started (not under chaos). */
  setup?: string;
}

export interface OperationSpec {
  domain: Domain;
  /** A rolling update may run max + 1 instances. */
  duringUpdate: boolean;
  prepare(ctx: OperationContext): Promise<StartedOperation>;
}

const SCALE_MUTEX = `scale/${SERVICE}`;
const PG_MUTEX = 'pg-failover/main';
const pickFrom = <T>(items: T[], pick: number): T => items[Math.min(items.length - 1, Math.floor(pick * items.length))];

/** Slot migrations are throttled and cut small so a kill lands mid-migration. */
const MIGRATION = { slotsPerActivity: 16, throttleKeysPerSecond: 50 };

/** A scaling step under the service's mutex whose input does not depend on the platform. */
function fixedScalingStep(workflowType: string, input: Record<string, unknown>): OperationSpec {
  return { domain: 'scaling', duringUpdate: false, prepare: async () => ({ workflowType, workflowId: SCALE_MUTEX, input }) };
}

export const OPERATION_SPECS: Record<OperationName, OperationSpec> = {
  scaleUp: fixedScalingStep('scaleUp', { service: SERVICE, count: 1, cooldownSeconds: 0, healthTimeoutSeconds: 20 }),
  scaleDown: fixedScalingStep('scaleDown', { service: SERVICE, count: 1, cooldownSeconds: 0, drainTimeoutSeconds: 10 }),
  drainInstance: {
    domain: 'scaling',
    duringUpdate: false,
    prepare: async ({ pick }) => {
      const names = [...new Set((await instanceProcesses(SERVICE)).map((p) => p.name))];
      return {
        workflowType: 'drainInstance',
        workflowId: SCALE_MUTEX,
        input: { instance: pickFrom(names, pick), drainTimeoutSeconds: 10 },
      };
    },
  },
  rollingUpdate: {
    domain: 'scaling',
    duringUpdate: true,
    prepare: async ({ trialIndex }) => ({
      workflowType: 'rollingUpdate',
      workflowId: SCALE_MUTEX,
      input: { service: SERVICE, version: `chaos-${trialIndex}`, drainTimeoutSeconds: 10, healthTimeoutSeconds: 20 },
    }),
  },
  pgFailover: {
    domain: 'postgres',
    duringUpdate: false,
    prepare: async ({ client, taskQueue }) => {
      const primary = await waitClusterHealthy();
      // The monitor records the primary's WAL position, which the failover needs to judge the candidates' lag.
      await primeMonitor(client, taskQueue);
      process.kill(postmasterPid(primary), 'SIGKILL');
      return {
        workflowType: 'pgFailover',
        workflowId: PG_MUTEX,
        input: { cluster: 'main' },
        setup: `SIGKILL of the primary ${primary}'s postmaster`,
      };
    },
  },
  pgSwitchover: {
    domain: 'postgres',
    duringUpdate: false,
    prepare: async ({ pick }) => {
      const primary = await waitClusterHealthy();
      const target = pickFrom(
        PG_NAMES.filter((n) => n !== primary),
        pick,
      );
      return { workflowType: 'pgSwitchover', workflowId: PG_MUTEX, input: { cluster: 'main', target } };
    },
  },
  redisReshard: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async ({ pick }) => {
      const masters = (await clusterView()).nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
      const target = pickFrom(masters, pick);
      const slots = 100 + (Math.floor(pick * 1000) % 200);
      return { workflowType: 'redisReshard', workflowId: REDIS_MUTEX_ID, input: { target: target.id, slots, ...MIGRATION } };
    },
  },
  redisAddNode: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async () => ({ workflowType: 'redisAddNode', workflowId: REDIS_MUTEX_ID, input: { port: ports.redisExtra[0] } }),
  },
  redisRemoveNode: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async ({ client, taskQueue, pick }) => {
      const added = (await client.workflow.execute('redisAddNode', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ port: ports.redisExtra[0] }],
      })) as { nodeId: string };
      const slots = 100 + (Math.floor(pick * 1000) % 150);
      await client.workflow.execute('redisReshard', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ target: added.nodeId, slots }] });
      return {
        workflowType: 'redisRemoveNode',
        workflowId: REDIS_MUTEX_ID,
        input: { nodeId: added.nodeId, ...MIGRATION },
        setup: `added node ${ports.redisExtra[0]} and resharded ${slots} slots to it`,
      };
    },
  },
  redisFailover: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async ({ pick }) => {
      const replica = pickFrom(
        (await clusterView()).nodes.filter((n) => n.role === 'replica'),
        pick,
      );
      return { workflowType: 'redisFailover', workflowId: REDIS_MUTEX_ID, input: { replicaId: replica.id } };
    },
  },
  redisRebalance: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async ({ client, taskQueue, pick }) => {
      const masters = (await clusterView()).nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
      const target = pickFrom(masters, pick);
      const slots = 400 + (Math.floor(pick * 1000) % 300);
      await client.workflow.execute('redisReshard', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ target: target.id, slots }] });
      return {
        workflowType: 'redisRebalance',
        workflowId: REDIS_MUTEX_ID,
        input: { thresholdPercent: 2, ...MIGRATION },
        setup: `resharded ${slots} slots to ${target.host}:${target.port}, so the masters are uneven`,
      };
    },
  },
  redisFix: {
    domain: 'redis',
    duringUpdate: false,
    prepare: async ({ pick }) => {
      const [a, b] = (await clusterView()).nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
      // A slot of b that a imports (the first step of a reshard that never migrated a key): redisFix closes it.
      const slot = b.slots[0][0] + (Math.floor(pick * 1000) % Math.max(1, b.slots[0][1] - b.slots[0][0]));
      await withNode(a.port, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', b.id));
      return {
        workflowType: 'redisFix',
        workflowId: REDIS_MUTEX_ID,
        input: {},
        setup: `slot ${slot} left importing on ${a.host}:${a.port} from ${b.host}:${b.port}`,
      };
    },
  },
};
