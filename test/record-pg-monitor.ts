// Records the histories of the long-running monitor pg-monitor/main for the replay tests
// (test/record-histories.ts records the one-shot pgMonitor). Against a stack started with
// `bash infra/local/stack.sh services`:
//   node dist/test/record-pg-monitor.js
//   pgMonitor-long-running-continued-as-new.json  a healthy watch, then continue-as-new
//   pgMonitor-long-running-failover.json          a SIGKILLed primary: confirmed, pgFailover started and awaited
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { pgWorkerEnv, postmasterPid, primeMonitor, sleep, waitClusterHealthy } from '../testkit/pg-cluster';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { runPgMonitorOn, stopPgMonitor } from '../testkit/pg-monitor';
import { runScript } from '../testkit/script';

const MONITOR_ID = 'pg-monitor/main';

/** The first run of pg-monitor/main started at or after `sinceMs` whose status is `status`. */
async function waitForRun(client: Client, sinceMs: number, status: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for await (const w of client.workflow.list({ query: `WorkflowId = "${MONITOR_ID}" AND ExecutionStatus = "${status}"` })) {
      if (w.startTime.getTime() >= sinceMs) return w.runId;
    }
    await sleep(500);
  }
  throw new Error(`no run of ${MONITOR_ID} with status ${status} within ${timeoutMs} ms`);
}

async function save(client: Client, runId: string, name: string): Promise<void> {
  const file = path.join(repoRoot, 'test', 'histories', `${name}.json`);
  writeFileSync(file, `${historyToJSON(await client.workflow.getHandle(MONITOR_ID, runId).fetchHistory())}\n`);
  process.stdout.write(`recorded ${path.relative(repoRoot, file)}\n`);
}

async function record(client: Client): Promise<void> {
  const taskQueue = taskQueueFor('record pg monitor');
  await withWorker(
    taskQueue,
    async () => {
      await waitClusterHealthy();
      await primeMonitor(client, taskQueue);
      const healthyFrom = Date.now();
      await runPgMonitorOn(client, taskQueue, { watchMs: 2000 });
      await save(client, await waitForRun(client, healthyFrom, 'ContinuedAsNew', 60_000), 'pgMonitor-long-running-continued-as-new');
      await stopPgMonitor(client, 'main');

      const primary = await waitClusterHealthy();
      const killedFrom = Date.now();
      await runPgMonitorOn(client, taskQueue, { watchMs: 8000 });
      await sleep(3000);
      process.kill(postmasterPid(primary), 'SIGKILL');
      // The run that confirmed the failure waits for pgFailover, then watches on and continues as new.
      await save(client, await waitForRun(client, killedFrom, 'ContinuedAsNew', 180_000), 'pgMonitor-long-running-failover');
      await stopPgMonitor(client, 'main');
      await waitClusterHealthy(120_000);
    },
    pgWorkerEnv(),
  );
}

async function main(): Promise<void> {
  const { client, connection } = await temporalClient();
  try {
    await record(client);
  } finally {
    await connection.close();
  }
}

runScript(main);
