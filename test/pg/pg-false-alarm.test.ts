// A primary paused with SIGSTOP for less than the detection window, then resumed, causes
// no failover, although the monitor saw it fail probes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletePgMonitorSchedule, ensurePgMonitorSchedule } from '../../workers/bootstrap/pg-monitor-schedule';
import {
  failoverStartedSince,
  pgWorkerEnv,
  postmasterPid,
  primeMonitor,
  sleep,
  waitClusterHealthy,
  writableNow,
} from '../../testkit/pg-cluster';
import { taskQueueFor } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

const WINDOW_MS = 5000;
const PAUSE_MS = 2500;

describe('pgMonitor and a paused primary', () => {
  const session = useTemporalSession({
    prepare: () => waitClusterHealthy(),
    cleanUp: async (client) => {
      await deletePgMonitorSchedule(client, 'main');
      await waitClusterHealthy();
    },
  });

  it(`starts no failover for a primary stopped ${PAUSE_MS} ms, under the ${WINDOW_MS} ms detection window`, async () => {
    const taskQueue = taskQueueFor('pgMonitor false alarm');
    const primary = await waitClusterHealthy();
    await withWorker(
      taskQueue,
      async () => {
        await primeMonitor(session.client, taskQueue);
        await ensurePgMonitorSchedule(session.client, {
          cluster: 'main',
          taskQueue,
          intervalSeconds: 1,
          monitorInput: { detectionWindowMs: WINDOW_MS, failedProbes: 3, probeIntervalMs: 500 },
        });
        await sleep(2500); // a healthy run first, so the topology is published
        const pid = postmasterPid(primary);
        const stoppedAt = Date.now();
        process.kill(pid, 'SIGSTOP');
        try {
          await sleep(PAUSE_MS);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        // Past the window and a few more monitor runs.
        await sleep(WINDOW_MS + 3000);
        assert.equal(await failoverStartedSince(session.client, stoppedAt), false, 'no pgFailover run started');
        assert.deepEqual(await writableNow(), [primary], 'the same primary, the only writable server');

        // The pause was seen: some monitor run counted failed probes and then found the primary healthy again.
        const runs: Array<{ maxConsecutiveFailures: number; verdict: string }> = [];
        for await (const w of session.client.workflow.list({
          query: `WorkflowType = "pgMonitor" AND TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`,
        })) {
          runs.push(await session.client.workflow.getHandle(w.workflowId, w.runId).result());
        }
        assert.ok(runs.length >= 3, `monitor runs happened (${runs.length})`);
        const sawFailures = runs.filter((r) => r.maxConsecutiveFailures >= 1);
        assert.ok(sawFailures.length >= 1, `a monitor run saw the paused primary fail probes: ${JSON.stringify(runs)}`);
        assert.ok(
          sawFailures.every((r) => r.verdict === 'healthy'),
          `and found it healthy again: ${JSON.stringify(sawFailures)}`,
        );
      },
      pgWorkerEnv(),
    );
  });
});
