// A pgSwitchover cancelled while it waits for the target to catch up (the target's WAL replay
// is paused, so the wait cannot end by itself): the clean fence is undone, the workflow is
// reported as cancelled, and the cluster is as before: exactly one primary (the old one),
// both replicas streaming from it in quorum.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCancelled } from '../../testkit/consistency';
import { waitForPendingActivity } from '../../testkit/history';
import {
  pgPort,
  pgWorkerEnv,
  waitClusterHealthy,
  withPg,
  writableNow,
  useHealthyPgSession,
  primaryAndFirstStandby,
} from '../../testkit/pg-cluster';
import { taskQueueFor } from '../../testkit/stack';
import { withWorkerEnv } from '../../testkit/workers';

describe('pgSwitchover cancelled', () => {
  const session = useHealthyPgSession();

  it('a switchover cancelled while waiting for the target leaves the old primary and both replicas streaming', async () => {
    const taskQueue = taskQueueFor('pgSwitchover cancelled in catch-up');
    const { primary: oldPrimary, standby: target } = await primaryAndFirstStandby();
    const replay = (action: 'pause' | 'resume') =>
      withPg(pgPort(target), 'postgres', (pg) => pg.query(`SELECT pg_wal_replay_${action}()`), 5_000);
    await replay('pause');
    try {
      await withWorkerEnv(taskQueue, pgWorkerEnv(), async () => {
        const handle = await session.client.workflow.start('pgSwitchover', {
          taskQueue,
          workflowId: 'pg-failover/main',
          args: [{ cluster: 'main', target, timeoutSeconds: 120 }],
        });
        await waitForPendingActivity(handle, 'waitPgCaughtUp', 60_000);
        await handle.cancel();
        await assertCancelled(handle.result());
      });
    } finally {
      await replay('resume');
    }
    assert.deepEqual(await writableNow(), [oldPrimary], 'exactly one writable server, the old primary');
    assert.equal(await waitClusterHealthy(60_000), oldPrimary, 'both replicas stream from the old primary in quorum');
  });
});
