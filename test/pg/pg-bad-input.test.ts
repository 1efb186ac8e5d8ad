// Bad input to pgFailover and pgSwitchover fails at once, non-retryable, naming the
// field, and changes no server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFailsWith } from '../../testkit/failures';
import { highestActivityAttempt } from '../../testkit/history';
import { PG_NAMES, pgPort, pgWorkerEnv, waitClusterHealthy, withPg, useHealthyPgSession } from '../../testkit/pg-cluster';
import { taskQueueFor } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

/** Role, timeline and WAL receiver target of each server: what a role change would alter. */
async function snapshot(): Promise<string> {
  const rows = await Promise.all(
    PG_NAMES.map((name) =>
      withPg(pgPort(name), 'postgres', async (pg) => {
        const r = await pg.query(
          "SELECT pg_is_in_recovery() AS rec, (SELECT timeline_id FROM pg_control_checkpoint()) AS tli, (SELECT sender_port FROM pg_stat_wal_receiver) AS sender, current_setting('primary_conninfo') AS conninfo",
        );
        return `${name}:${JSON.stringify(r.rows[0])}`;
      }),
    ),
  );
  return rows.join('\n');
}

describe('PostgreSQL HA workflows reject bad input', () => {
  const session = useHealthyPgSession();

  it('refuses an unknown cluster, the current primary as target and an unknown target, changing nothing', async () => {
    const taskQueue = taskQueueFor('pg bad input');
    const primary = await waitClusterHealthy();
    const before = await snapshot();
    await withWorker(
      taskQueue,
      async () => {
        const run = (type: string, input: unknown) =>
          session.client.workflow.execute(type, { taskQueue, workflowId: `bad-input-${type}-${Date.now()}`, args: [input] });
        await assertFailsWith(run('pgFailover', { cluster: 'other' }), 'InvalidInput', /cluster must be one of: main/);
        await assertFailsWith(
          run('pgSwitchover', { cluster: 'other', target: 'replica1' }),
          'InvalidInput',
          /cluster must be one of: main/,
        );
        await assertFailsWith(
          run('pgSwitchover', { cluster: 'main', target: 'replica9' }),
          'InvalidInput',
          /target must be one of: primary, replica1, replica2/,
        );
        // Under the mutex ID directly, so the failure is the workflow's own.
        const handle = await session.client.workflow.start('pgSwitchover', {
          taskQueue,
          workflowId: 'pg-failover/main',
          args: [{ cluster: 'main', target: primary }],
        });
        await assertFailsWith(handle.result(), 'InvalidInput', new RegExp(`target ${primary} is already the primary`));
        assert.equal(await highestActivityAttempt(handle, 'fencePgServer'), 0, 'nothing was fenced');
      },
      pgWorkerEnv(),
    );
    assert.equal(await snapshot(), before, 'no server changed');
  });
});
