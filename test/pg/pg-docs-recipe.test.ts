// The pgFailover recipe of docs/postgres.md works as written: the plain CLI form runs under the
// mutex ID, re-checks the primary, and on a healthy cluster changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TASK_QUEUE } from '../../contracts/common/names';
import { pgWorkerEnv, sleep, waitClusterHealthy } from '../../testkit/pg-cluster';
import { docsRecipe, runDocsLine } from '../../testkit/docs-recipes';
import {} from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { useTemporalSession } from '../../testkit/temporal-session';

describe('the docs/postgres.md pgFailover recipe', () => {
  const session = useTemporalSession({ prepare: () => waitClusterHealthy() });

  it('starts pgFailover under pg-failover/main, which finds the primary healthy and changes nothing', async () => {
    const lines = docsRecipe('postgres.md', 'pg-failover');
    assert.deepEqual(lines, [`temporal workflow start --type pgFailover --task-queue ${TASK_QUEUE} --input '{"cluster":"main"}'`]);
    const primary = await waitClusterHealthy();
    const startedAt = Date.now();
    await withWorker(
      TASK_QUEUE,
      async () => {
        await runDocsLine(lines[0]);
        const handle = session.client.workflow.getHandle('pg-failover/main');
        // The recipe's run moves itself under pg-failover/main; on a fresh server no run of
        // that ID exists until it has, so "not found" means "not yet".
        const startTime = async () => {
          try {
            return (await handle.describe()).startTime.getTime();
          } catch (error) {
            if (error instanceof WorkflowNotFoundError) return 0;
            throw error;
          }
        };
        let started = await startTime();
        for (let i = 0; i < 100 && started < startedAt - 1000; i++) {
          await sleep(100);
          started = await startTime();
        }
        assert.ok(started >= startedAt - 1000, 'a run of pg-failover/main started from the recipe');
        const result = await handle.result();
        assert.equal(result.outcome, 'not-needed');
        assert.equal(result.oldPrimary, primary);
      },
      pgWorkerEnv(),
    );
    assert.equal(await waitClusterHealthy(), primary, 'the same primary');
  });
});
