// A standby promoted by an operation that died before it published, then the published
// primary and the other standby killed: no standby answers, but one server accepts writes.
// The monitor must confirm (PromotedNotPublished) and pgFailover adopt that server, not wait
// for a person while every write fails (chaos seed 20261128, trial 1, found the state).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPgMonitorOn, stopPgMonitor } from '../../testkit/pg-monitor';
import type { PgMonitorProgress } from '../../workflows/postgres/pg-monitor-watch';
import {
  PG_NAMES,
  pgWorkerEnv,
  postmasterPid,
  primeMonitor,
  sleep,
  waitClusterHealthy,
  waitForFailoverRun,
  withPg,
  writableNow,
} from '../../testkit/pg-cluster';
import { taskQueueFor } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

describe('pgMonitor and a promotion that was never published', () => {
  const session = useTemporalSession({
    prepare: () => waitClusterHealthy(),
    cleanUp: async (client) => {
      await stopPgMonitor(client, 'main');
    },
  });

  it('confirms PromotedNotPublished when the primary dies, and pgFailover adopts the promoted server', async () => {
    const taskQueue = taskQueueFor('pgMonitor unpublished promotion');
    const primary = await waitClusterHealthy();
    const [promoted, other] = PG_NAMES.filter((n) => n !== primary);
    await withWorker(
      taskQueue,
      async () => {
        await primeMonitor(session.client, taskQueue);
        await runPgMonitorOn(session.client, taskQueue, { probeIntervalMs: 500, watchMs: 60_000 });
        await sleep(2000); // healthy rounds first, so the topology is published
        // Within one probe round: the promotion an interrupted operation made, then both other servers die.
        await withPg(promoted, 'postgres', (pg) => pg.query('SELECT pg_promote(wait => true)'));
        const killedAt = Date.now();
        process.kill(postmasterPid(other), 'SIGKILL');
        process.kill(postmasterPid(primary), 'SIGKILL');

        const run = await waitForFailoverRun(session.client, killedAt, 120_000);
        assert.equal(run.status, 'COMPLETED', `pgFailover completed: ${JSON.stringify(run.result)}`);
        const result = run.result as { newPrimary?: string; candidate?: { code: string } };
        assert.equal(result.newPrimary, promoted, `the promoted server was adopted: ${JSON.stringify(result)}`);
        assert.equal(result.candidate?.code, 'AlreadyPromoted');
        const progress: PgMonitorProgress = await session.client.workflow.getHandle('pg-monitor/main').query('pgMonitorProgress');
        assert.ok(progress.failoversStarted >= 1, `the monitor started it: ${JSON.stringify(progress)}`);
        assert.deepEqual(await writableNow(), [promoted], 'the promoted server is the only writable one');
        // The monitor's standby watch brings the two killed servers back as standbys of the new primary.
        assert.equal(await waitClusterHealthy(180_000), promoted);
      },
      pgWorkerEnv(),
    );
  });
});
