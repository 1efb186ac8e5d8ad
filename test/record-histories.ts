// Records real workflow histories for the replay tests. Run against a stack started
// with `bash infra/local/stack.sh services` (see README, "Re-recording histories"):
//   node dist/test/record-histories.js
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { pgWorkerEnv, postmasterPid, waitClusterHealthy, PG_NAMES } from './helpers/pg-cluster';
import { resetPlatform, SERVICE } from './helpers/platform';
import { repoRoot, taskQueueFor, temporalClient } from './helpers/stack';
import { withWorker } from './helpers/workers';

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
    const plain = await client.workflow.start('scaleUp', { taskQueue, workflowId: `record-scale-up-${Date.now()}`, args: [{ service: SERVICE, count: 2, cooldownSeconds: 1 }] });
    await plain.result();
    await save(plain, 'scaleUp-started-without-mutex-id');
    await save(client.workflow.getHandle('scale/jarvis-app'), 'scaleUp');
  });
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      const unhealthy = await client.workflow.start('scaleUp', { taskQueue, workflowId: 'scale/jarvis-app', args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 2 }] });
      await settle(unhealthy.result());
      await save(unhealthy, 'scaleUp-unhealthy-instance-removed');
    },
    { APP_STARTUP_DELAY_MS: '600000' },
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
      const monitor = await client.workflow.start('pgMonitor', { taskQueue, workflowId: `record-pg-monitor-${Date.now()}`, args: [{ cluster: 'main' }] });
      await monitor.result();
      await save(monitor, 'pgMonitor');

      const primary = await waitClusterHealthy();
      const target = PG_NAMES.filter((n) => n !== primary)[0];
      const switchover = await client.workflow.start('pgSwitchover', { taskQueue, workflowId: `record-pg-switchover-${Date.now()}`, args: [{ cluster: 'main', target }] });
      await switchover.result();
      await save(switchover, 'pgSwitchover-started-without-mutex-id');
      await save(client.workflow.getHandle('pg-failover/main'), 'pgSwitchover');

      const killed = await waitClusterHealthy();
      process.kill(postmasterPid(killed), 'SIGKILL');
      const failover = await client.workflow.start('pgFailover', { taskQueue, workflowId: 'pg-failover/main', args: [{ cluster: 'main', reason: 'recording a history' }] });
      await failover.result();
      await save(failover, 'pgFailover');
      await waitClusterHealthy();
    },
    pgWorkerEnv(),
  );
}

async function main(): Promise<void> {
  const { client, connection } = await temporalClient();
  // `node dist/test/record-histories.js pg` records only the PostgreSQL HA workflows (no Docker needed).
  const only = process.argv[2];
  try {
    if (!only || only === 'scale') await recordScaleUp(client);
    if (!only || only === 'pg') await recordPgHa(client);
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
