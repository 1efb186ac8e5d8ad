// A primary paused with SIGSTOP for less than the detection window, then resumed, causes
// no failover, although the long-running monitor saw it fail probes; and the monitor,
// continuing as new every few seconds here, adds one execution per watch, not per probe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPgMonitorOn, stopPgMonitor } from '../../testkit/pg-monitor';
import type { PgMonitorProgress } from '../../workflows/postgres/pg-monitor-watch';
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
const WATCH_MS = 4000;

describe('pgMonitor and a paused primary', () => {
  const session = useTemporalSession({
    prepare: () => waitClusterHealthy(),
    cleanUp: async (client) => {
      await stopPgMonitor(client, 'main');
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
        const watchedFrom = Date.now();
        await runPgMonitorOn(session.client, taskQueue, {
          detectionWindowMs: WINDOW_MS,
          failedProbes: 3,
          probeIntervalMs: 500,
          watchMs: WATCH_MS,
        });
        await sleep(2500); // healthy rounds first, so the topology is published
        const pid = postmasterPid(primary);
        const stoppedAt = Date.now();
        process.kill(pid, 'SIGSTOP');
        try {
          await sleep(PAUSE_MS);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        // Past the window and a few more probe rounds.
        await sleep(WINDOW_MS + 3000);
        assert.equal(await failoverStartedSince(session.client, stoppedAt), false, 'no pgFailover run started');
        assert.deepEqual(await writableNow(), [primary], 'the same primary, the only writable server');

        // The pause was seen (the most consecutive failures, carried through continue-as-new), then the primary found healthy again.
        const progress: PgMonitorProgress = await session.client.workflow.getHandle('pg-monitor/main').query('pgMonitorProgress');
        assert.ok(
          progress.detection.maxConsecutiveFailures >= 1,
          `the monitor saw the paused primary fail probes: ${JSON.stringify(progress)}`,
        );
        assert.equal(progress.lastCode, 'PrimaryHealthy', `and found it healthy again: ${JSON.stringify(progress)}`);
        assert.equal(progress.failoversStarted, 0);
        assert.ok(progress.runs >= 2, `the monitor continued as new every ${WATCH_MS} ms, carrying its state (${progress.runs} runs)`);

        // One execution per watch, however many probe rounds: the old Schedule made one per second here.
        const { count } = await session.client.workflow.count(
          `WorkflowType = "pgMonitor" AND TaskQueue = "${taskQueue}" AND StartTime >= "${new Date(watchedFrom).toISOString()}"`,
        );
        const expectedAtMost = Math.ceil((Date.now() - watchedFrom) / WATCH_MS) + 1;
        assert.ok(progress.rounds > count * 3, `${progress.rounds} probe rounds in ${count} executions`);
        assert.ok(count <= expectedAtMost, `${count} pgMonitor executions, at most ${expectedAtMost} expected`);
      },
      pgWorkerEnv(),
    );
  });
});
