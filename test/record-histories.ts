// Records real workflow histories for the replay tests. Run against a stack started
// with `bash infra/local/stack.sh services` (see README, "Re-recording histories"):
//   node dist/test/record-histories.js
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resumeSignal, rollingUpdateProgressQuery } from '../contracts/scaling';
import { pgWorkerEnv, postmasterPid, waitClusterHealthy, PG_NAMES } from '../testkit/pg-cluster';
import { resetPlatform, SERVICE } from '../testkit/platform';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { ports } from '../testkit/ports';
import { assertBaseCluster, clusterView, redisWorkerEnv } from '../testkit/redis';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { healthRouterProgressQuery } from '../contracts/routing';
import { eventually } from '../testkit/app-instances';
import { readRoutes, setFrozen } from '../testkit/upstream';
import { recordScaleTo } from './record-scale-to';

const historiesDir = path.join(repoRoot, 'test', 'histories');

async function save(handle: WorkflowHandle, name: string): Promise<void> {
  const file = path.join(historiesDir, `${name}.json`);
  writeFileSync(file, `${historyToJSON(await handle.fetchHistory())}\n`);
  process.stdout.write(`recorded ${path.relative(repoRoot, file)}\n`);
}

async function settle(run: Promise<unknown>): Promise<void> {
  await run.catch(() => undefined);
}

async function recordScaleUp(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record scaleUp');
  await resetPlatform(client);
  await withWorker(taskQueue, async () => {
    const plain = await client.workflow.start('scaleUp', {
      taskQueue,
      workflowId: `record-scale-up-${Date.now()}`,
      args: [{ service: SERVICE, count: 2, cooldownSeconds: 1 }],
    });
    await plain.result();
    await save(plain, 'scaleUp-started-without-mutex-id');
    await save(client.workflow.getHandle('scale/jarvis-app'), 'scaleUp');
  });
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      const unhealthy = await client.workflow.start('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 2 }],
      });
      await settle(unhealthy.result());
      await save(unhealthy, 'scaleUp-unhealthy-instance-removed');
    },
    { APP_STARTUP_DELAY_MS: '600000' },
  );
  await resetPlatform(client);
}

/** scaleDown, drainInstance, rollingUpdate (with a canary pause and resume) and autoscaleCheck. */
async function recordScalingOperations(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record scaling operations');
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      await client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, count: 3, cooldownSeconds: 0 }],
      });
      const down = await client.workflow.start('scaleDown', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, cooldownSeconds: 1 }],
      });
      await down.result();
      await save(down, 'scaleDown');
      const drain = await client.workflow.start('drainInstance', {
        taskQueue,
        workflowId: `record-drain-${Date.now()}`,
        args: [{ instance: 'jarvis-app-1' }],
      });
      await drain.result();
      await save(drain, 'drainInstance-started-without-mutex-id');
      await save(client.workflow.getHandle('scale/jarvis-app'), 'drainInstance');
      await client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
      });
      const rollout = await client.workflow.start('rollingUpdate', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, version: 'v2', pauseAfter: 1 }],
      });
      for (let i = 0; i < 300 && !(await rollout.query(rollingUpdateProgressQuery)).paused; i++)
        await new Promise((r) => setTimeout(r, 100));
      await rollout.signal(resumeSignal);
      await rollout.result();
      await save(rollout, 'rollingUpdate-paused-and-resumed');
      const check = await client.workflow.start('autoscaleCheck', {
        taskQueue,
        workflowId: `record-autoscale-check-${Date.now()}`,
        args: [{ service: SERVICE }],
      });
      await check.result();
      await save(check, 'autoscaleCheck');
    },
    { MIN_INSTANCES: '1' },
  );
  await resetPlatform(client);
}

/** pgMonitor (a healthy run), pgSwitchover (started under another ID) and pgFailover (after a SIGKILL of the primary). */
async function recordPgHa(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record pg ha');
  await withWorker(
    taskQueue,
    async () => {
      await waitClusterHealthy();
      const monitor = await client.workflow.start('pgMonitor', {
        taskQueue,
        workflowId: `record-pg-monitor-${Date.now()}`,
        args: [{ cluster: 'main' }],
      });
      await monitor.result();
      await save(monitor, 'pgMonitor');

      const primary = await waitClusterHealthy();
      const target = PG_NAMES.filter((n) => n !== primary)[0];
      const switchover = await client.workflow.start('pgSwitchover', {
        taskQueue,
        workflowId: `record-pg-switchover-${Date.now()}`,
        args: [{ cluster: 'main', target }],
      });
      await switchover.result();
      await save(switchover, 'pgSwitchover-started-without-mutex-id');
      await save(client.workflow.getHandle('pg-failover/main'), 'pgSwitchover');

      const killed = await waitClusterHealthy();
      process.kill(postmasterPid(killed), 'SIGKILL');
      const failover = await client.workflow.start('pgFailover', {
        taskQueue,
        workflowId: 'pg-failover/main',
        args: [{ cluster: 'main', reason: 'recording a history' }],
      });
      await failover.result();
      await save(failover, 'pgFailover');
      await waitClusterHealthy();
    },
    pgWorkerEnv(),
  );
}

async function recordRedis(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record redis topology');
  await withWorker(
    taskQueue,
    async () => {
      // A node left over from an interrupted recording goes first.
      for (const node of (await clusterView()).nodes.filter((n) => !ports.redis.includes(n.port))) {
        await client.workflow.execute('redisRemoveNode', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ nodeId: node.id }] });
      }
      await assertBaseCluster();
      const mutex = () => client.workflow.getHandle(REDIS_MUTEX_ID);
      const underMutex = async (type: string, input: unknown, name: string) => {
        const handle = await client.workflow.start(type, { taskQueue, workflowId: REDIS_MUTEX_ID, args: [input] });
        const result = await handle.result().catch((error: unknown) => error);
        await save(handle, name);
        return result;
      };
      const plain = await client.workflow.start('redisAddNode', {
        taskQueue,
        workflowId: `record-redis-add-${Date.now()}`,
        args: [{ port: ports.redisExtra[0] }],
      });
      const added = (await plain.result()) as { nodeId: string };
      await save(plain, 'redisAddNode-started-without-mutex-id');
      await save(mutex(), 'redisAddNode');
      // One slot per activity and a short history limit: the run continues as new on the way.
      await underMutex(
        'redisReshard',
        { target: added.nodeId, slots: 40, slotsPerActivity: 1, continueAsNewAfterEvents: 100 },
        'redisReshard-continued-as-new',
      );
      await underMutex('redisReshard', { target: '0'.repeat(40), slots: 1 }, 'redisReshard-unknown-target');
      await underMutex('redisRebalance', { useEmptyMasters: true, dryRun: true }, 'redisRebalance-dry-run');
      const replica = (await clusterView()).nodes.find((n) => n.role === 'replica');
      if (!replica?.masterId) throw new Error('no replica to fail over to');
      await underMutex('redisFailover', { replicaId: replica.id }, 'redisFailover');
      await client.workflow.execute('redisFailover', { taskQueue, workflowId: REDIS_MUTEX_ID, args: [{ replicaId: replica.masterId }] });
      await underMutex('redisFix', {}, 'redisFix');
      await underMutex('redisRemoveNode', { nodeId: added.nodeId }, 'redisRemoveNode');
    },
    redisWorkerEnv(),
  );
  await assertBaseCluster();
}

/** healthRouter: an ejection and a recovery across a continueAsNew, a cancellation, and a start under another ID. */
async function recordHealthRouter(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record healthRouter');
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      await client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }],
      });
      const settings = {
        probeIntervalSeconds: 0.5,
        probeTimeoutMs: 500,
        failureThreshold: 2,
        openSeconds: 1,
        recoveryProbes: 1,
        rampSeconds: 2,
        fullWeight: 3,
        reloadIntervalSeconds: 0.5,
        roundsPerRun: 12,
      };
      const router = await client.workflow.start('healthRouter', {
        taskQueue,
        workflowId: 'health-router/jarvis-app',
        args: [{ service: SERVICE, ...settings }],
      });
      const firstRunId = router.firstExecutionRunId;
      await setFrozen('jarvis-app-2', true);
      try {
        await eventually('jarvis-app-2 ejected', async () => (readRoutes()['jarvis-app-2'] === 'down' ? true : undefined), 60_000);
      } finally {
        await setFrozen('jarvis-app-2', false);
      }
      await eventually(
        'a second run that has brought jarvis-app-2 back to full weight',
        async () => {
          const progress = await router.query(healthRouterProgressQuery);
          return progress.run >= 2 && readRoutes()['jarvis-app-2'] === settings.fullWeight ? true : undefined;
        },
        90_000,
        200,
      );
      await save(client.workflow.getHandle('health-router/jarvis-app', firstRunId), 'healthRouter-ejects-and-continues-as-new');
      const elsewhere = await client.workflow.start('healthRouter', {
        taskQueue,
        workflowId: `record-health-router-${Date.now()}`,
        args: [{ service: SERVICE }],
      });
      await elsewhere.result();
      await save(elsewhere, 'healthRouter-started-under-another-id');
      await router.cancel();
      await settle(router.result());
      await save(client.workflow.getHandle('health-router/jarvis-app'), 'healthRouter-cancelled');
    },
    { MIN_INSTANCES: '1' },
  );
  await resetPlatform(client);
}

/** An autoscaleCheck below the minimum that starts scaleUp, and that scaleUp (the parallel-reads branches of both). */
async function recordAutoscaleStart(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record autoscale start');
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      const check = await client.workflow.start('autoscaleCheck', {
        taskQueue,
        workflowId: `record-autoscale-start-${Date.now()}`,
        args: [{ service: SERVICE }],
      });
      await check.result();
      await save(check, 'autoscaleCheck-started-scaleUp');
      const scale = client.workflow.getHandle('scale/jarvis-app');
      await scale.result();
      await save(scale, 'scaleUp-started-by-autoscaleCheck');
    },
    { MIN_INSTANCES: '1', COOLDOWN_PERIOD: '0' },
  );
  await resetPlatform(client);
}

async function main(): Promise<void> {
  const { client, connection } = await temporalClient();
  // One family only: `scaleUp`, `scaleTo`, `scaling` (scaleDown, drain, rollout, autoscale), `autoscale` (a check that starts scaleUp), `router` (healthRouter), `pg` or `redis` (no Docker needed for the last two).
  const only = process.argv[2];
  try {
    if (!only || only === 'scaleUp') await recordScaleUp(client);
    if (!only || only === 'scaling') await recordScalingOperations(client);
    if (!only || only === 'autoscale') await recordAutoscaleStart(client);
    if (!only || only === 'scaleTo') await recordScaleTo(client, save);
    if (!only || only === 'router') await recordHealthRouter(client);
    if (!only || only === 'pg') await recordPgHa(client);
    if (!only || only === 'redis') await recordRedis(client);
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
