// The Temporal side of the PostgreSQL HA tests: the runs of pg-failover/main a test waits
// for or checks, and the pgMonitor run that primes a fresh stack.
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits for the run of pg-failover/main that started at or after `sinceMs` to close and
 * returns its description and result.
 */
export async function waitForFailoverRun(
  client: Client,
  sinceMs: number,
  timeoutMs = 90_000,
): Promise<{ startedAtMs: number; status: string; result: unknown }> {
  const handle = client.workflow.getHandle('pg-failover/main');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = await handle.describe().catch(() => undefined);
    if (d && d.startTime.getTime() >= sinceMs - 1000 && d.status.name !== 'RUNNING') {
      const result = await client.workflow
        .getHandle('pg-failover/main', d.runId)
        .result()
        .catch((e: Error) => ({ error: e.message, cause: (e.cause as Error | undefined)?.message }));
      return { startedAtMs: d.startTime.getTime(), status: d.status.name, result };
    }
    await sleep(200);
  }
  throw new Error(`no pg-failover/main run started after ${new Date(sinceMs).toISOString()} closed within ${timeoutMs} ms`);
}

/** Whether any run of pg-failover/main started at or after `sinceMs`. */
export async function failoverStartedSince(client: Client, sinceMs: number): Promise<boolean> {
  const d = await client.workflow
    .getHandle('pg-failover/main')
    .describe()
    .catch(() => undefined);
  return d !== undefined && d.startTime.getTime() >= sinceMs - 1000;
}

/**
 * One pgMonitor run on `taskQueue` (a worker must serve it): on a fresh stack it publishes
 * the first topology and records the primary's WAL position, which a failover needs to
 * know which server failed and how far behind the candidate is.
 */
export async function primeMonitor(client: Client, taskQueue: string): Promise<void> {
  const result = await client.workflow.execute('pgMonitor', {
    taskQueue,
    workflowId: `prime-pg-monitor-${Date.now()}`,
    args: [{ cluster: 'main' }],
  });
  if ((result as { verdict: string }).verdict !== 'healthy')
    throw new Error(`pgMonitor did not find the cluster healthy: ${JSON.stringify(result)}`);
}
