// pgFailover survives a worker killed with SIGKILL, once before the promotion (while it
// waits for approval, after fencing) and once after it (during the rejoin).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highestActivityAttempt, waitForPendingActivity } from '../../testkit/history';
import { pgWorkerEnv, postmasterPid, primeMonitor, sleep, waitClusterHealthy, WritableProber, writableNow } from '../../testkit/pg-cluster';
import { taskQueueFor } from '../../testkit/stack';
import { type ReplaceableWorker, withReplaceableWorker } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

interface FailoverResult {
  outcome: string;
  oldPrimary: string;
  newPrimary: string;
  candidate?: { approvedBy?: string };
  rejoin?: { method: string };
}

describe('pgFailover survives a worker killed with SIGKILL', () => {
  const session = useTemporalSession({ prepare: () => waitClusterHealthy(), cleanUp: () => waitClusterHealthy(90_000) });

  /**
   * Kills the primary's postmaster while a worker process serves a fresh task queue, runs
   * `body`, and checks that no moment of it saw two writable servers.
   */
  async function afterPrimaryKilled(
    name: string,
    body: (oldPrimary: string, taskQueue: string, worker: ReplaceableWorker) => Promise<void>,
  ) {
    const taskQueue = taskQueueFor(name);
    const oldPrimary = await waitClusterHealthy();
    const prober = new WritableProber();
    await withReplaceableWorker(taskQueue, pgWorkerEnv(), async (worker) => {
      await primeMonitor(session.client, taskQueue);
      prober.start();
      process.kill(postmasterPid(oldPrimary), 'SIGKILL');
      try {
        await body(oldPrimary, taskQueue, worker);
      } finally {
        await prober.stop();
      }
    });
    assert.equal(prober.maxWritable, 1, `never two writable servers: ${prober.violations.join('; ')}`);
  }

  it('completes with exactly one primary when the worker dies before the promotion', () =>
    afterPrimaryKilled('pgFailover crash before promotion', async (oldPrimary, taskQueue, worker) => {
      // requireApproval holds the run between the fence and the promotion.
      const handle = await session.client.workflow.start('pgFailover', {
        taskQueue,
        workflowId: 'pg-failover/main',
        args: [{ cluster: 'main', requireApproval: true, approvalTimeoutSeconds: 120 }],
      });
      const deadline = Date.now() + 30_000;
      let step = '';
      while (step !== 'approval' && Date.now() < deadline) {
        step = (await handle.query<{ step: string }>('progress').catch(() => ({ step: '' }))).step;
        if (step !== 'approval') await sleep(100);
      }
      assert.equal(step, 'approval', 'the run reached the approval wait');
      await worker.crash();
      assert.deepEqual(await writableNow(), [], 'nothing was promoted before the crash');

      await worker.replace();
      await handle.signal('approveFailover', { approvedBy: 'crash-test' });
      const result = (await handle.result()) as FailoverResult;
      assert.equal(result.outcome, 'failed-over', JSON.stringify(result));
      assert.equal(result.candidate?.approvedBy, 'crash-test');
      assert.equal(result.oldPrimary, oldPrimary);
      assert.equal(await highestActivityAttempt(handle, 'promotePgServer'), 1, 'promoted once');
      assert.equal(await highestActivityAttempt(handle, 'fencePgServer'), 1, 'fenced once: the replayed run did not fence again');
      assert.equal(await waitClusterHealthy(60_000), result.newPrimary);
    }));

  it('completes with exactly one primary when the worker dies after the promotion, during the rejoin', () =>
    afterPrimaryKilled('pgFailover crash after promotion', async (oldPrimary, taskQueue, worker) => {
      const handle = await session.client.workflow.start('pgFailover', {
        taskQueue,
        workflowId: 'pg-failover/main',
        args: [{ cluster: 'main' }],
      });
      await waitForPendingActivity(handle, 'rejoinPgServer', 60_000);
      await worker.crash();
      const writable = await writableNow();
      assert.equal(writable.length, 1, `one writable server right after the crash: ${writable.join(', ')}`);
      assert.notEqual(writable[0], oldPrimary);

      await worker.replace();
      const result = (await handle.result()) as FailoverResult;
      assert.equal(result.outcome, 'failed-over', JSON.stringify(result));
      assert.equal(result.newPrimary, writable[0]);
      assert.equal(await highestActivityAttempt(handle, 'promotePgServer'), 1, 'promoted once');
      assert.ok(
        (await highestActivityAttempt(handle, 'rejoinPgServer')) >= 2,
        'the rejoin was interrupted and ran again on the second worker',
      );
      assert.equal(await waitClusterHealthy(60_000), result.newPrimary);
    }));
});
