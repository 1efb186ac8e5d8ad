// Runs every jarvis-scale recipe of docs/cli.md (blocks marked <!-- recipe: cli-… -->) as a
// reader would, in page order, with bash, `jarvis-scale` and `temporal` on PATH. The
// scaling recipes run for real against a worker on the jarvis-scaling task queue. The
// PostgreSQL and Redis recipes run against a task queue no worker serves, so that a test of
// the page does not fail the database over or move slots: they check that each line starts
// the right workflow type, then terminate it (their workflows have tests of their own).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../../contracts/common/names';
import { ensureAutoscaleSchedule } from '../../workers/bootstrap/schedules';
import { cliBinDir } from '../../testkit/cli';
import { listContainers, resetPlatform, SERVICE } from '../../testkit/platform';
import { ports, temporalAddress } from '../../testkit/ports';
import { docsRecipe, docsRecipeNames, temporalCliDir } from '../../testkit/docs-recipes';
import { repoRoot, stateDir, taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { startedWith, terminateIfRunning } from './started-input';

const HANDLED = [
  'cli-status',
  'cli-scale',
  'cli-cancel',
  'cli-drain',
  'cli-rollout',
  'cli-autoscale',
  'cli-history',
  'cli-failover',
  'cli-redis',
];

function runLine(line: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const temporalDir = temporalCliDir();
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', line],
      {
        cwd: repoRoot,
        timeout: 180_000,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporalAddress,
          JARVIS_STATE_DIR: stateDir,
          PATH: `${cliBinDir()}:${temporalDir}:${process.env.PATH}`,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

/** The docs are written for the default ports (Redis 7000–7006); the test stack may run elsewhere. */
function onThisStack(line: string, removeNode = false): string {
  return line.replace(/\b700([0-6])\b/g, (_m, n: string) =>
    String(Number(n) === 6 && removeNode ? ports.redis[5] : ports.redis[0] + Number(n)),
  );
}

describe('the jarvis-scale recipes of docs/cli.md work as written', () => {
  let client: Client;
  let connection: Connection;
  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
  });
  after(async () => {
    for (const id of ['pg-failover/main', 'redis-topology/cache']) await terminateIfRunning(client, id);
    await resetPlatform(client);
    await connection.close();
  });

  it('every jarvis-scale recipe block is one this test runs', () => {
    assert.deepEqual(docsRecipeNames('cli.md', 'cli-'), HANDLED);
  });

  it('runs the scaling, autoscale, history and stats recipes against a worker on jarvis-scaling', async () => {
    await withWorker(TASK_QUEUE, async () => {
      // The recipes start from the stack `stack.sh up` leaves: 3 instances.
      await client.workflow.execute('scaleUp', {
        taskQueue: TASK_QUEUE,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, count: 3, cooldownSeconds: 0 }],
      });
      const ok = async (line: string, env: Record<string, string> = {}) => {
        const run = await runLine(line, env);
        assert.equal(run.code, 0, `${line}\n${run.stderr}${run.stdout}`);
        return run;
      };
      const names = async () => (await listContainers()).map((c) => c.name);

      const [status] = docsRecipe('cli.md', 'cli-status');
      assert.match((await ok(status)).stdout, /jarvis-app: 3 instance\(s\)/);

      const [scale] = docsRecipe('cli.md', 'cli-scale');
      assert.match((await ok(scale)).stdout, /holds the jarvis-app scaling lock through its cooldown/);
      assert.deepEqual(await names(), ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3', 'jarvis-app-4']);

      const [cancel] = docsRecipe('cli.md', 'cli-cancel');
      await ok(cancel);
      await client.workflow
        .getHandle('scale/jarvis-app')
        .result()
        .catch(() => undefined);
      assert.equal((await client.workflow.getHandle('scale/jarvis-app').describe()).status.name, 'CANCELLED');

      const [drain] = docsRecipe('cli.md', 'cli-drain');
      await ok(drain);
      assert.deepEqual(await names(), ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3']);

      const [rollout, resume] = docsRecipe('cli.md', 'cli-rollout');
      assert.match((await ok(rollout)).stdout, /paused: scale\/jarvis-app waits/);
      await ok(resume);
      await client.workflow.getHandle('scale/jarvis-app').result();
      assert.deepEqual([...new Set((await listContainers()).map((c) => c.version))], ['v2']);

      // The Schedule exists once a worker process has started; here the test makes it, on a queue no worker serves.
      await ensureAutoscaleSchedule(
        client,
        testWorkerConfig({ TASK_QUEUE: taskQueueFor('docs autoscale unserved'), CHECK_INTERVAL: '3600' }),
        SERVICE,
      );
      const [pause, resumeAutoscale] = docsRecipe('cli.md', 'cli-autoscale');
      await ok(pause);
      assert.equal((await client.schedule.getHandle('autoscale/jarvis-app').describe()).state.paused, true);
      await ok(resumeAutoscale);
      assert.equal((await client.schedule.getHandle('autoscale/jarvis-app').describe()).state.paused, false);
      await client.schedule.getHandle('autoscale/jarvis-app').delete();

      const [history, stats] = docsRecipe('cli.md', 'cli-history');
      const h = (await ok(history)).stdout;
      for (const type of ['rollingUpdate', 'drainInstance', 'scaleUp']) assert.match(h, new RegExp(`${type}\\s+jarvis-app\\s+success`));
      assert.match(h, /scaleUp\s+jarvis-app\s+cancelled/);
      assert.match((await ok(stats)).stdout, /totalScaleUps\s+\d+\n[\s\S]*uptimePercent\s+[\d.]+/);
    });
  });

  it('runs the PostgreSQL and Redis recipes, each starting its workflow type under its mutex', async () => {
    const unserved = taskQueueFor('docs pg redis unserved');
    const env = { TASK_QUEUE: unserved, JARVIS_SCALE_NO_WAIT: '1' };
    const expectations: Array<[string, string, string]> = [];
    const [failover, switchover] = docsRecipe('cli.md', 'cli-failover');
    expectations.push([failover, 'pg-failover/main', 'pgFailover'], [switchover, 'pg-failover/main', 'pgSwitchover']);
    const [reshard, rebalance, addNode, removeNode, redisFailover, redisFix] = docsRecipe('cli.md', 'cli-redis');
    expectations.push(
      [onThisStack(reshard), 'redis-topology/cache', 'redisReshard'],
      [rebalance, 'redis-topology/cache', 'redisRebalance'],
      [onThisStack(addNode), 'redis-topology/cache', 'redisAddNode'],
      // No node joined on the unserved queue, so remove-node names an existing replica's port instead.
      [onThisStack(removeNode, true), 'redis-topology/cache', 'redisRemoveNode'],
      [onThisStack(redisFailover), 'redis-topology/cache', 'redisFailover'],
      [redisFix, 'redis-topology/cache', 'redisFix'],
    );
    for (const [line, workflowId, type] of expectations) {
      const run = await runLine(line, env);
      assert.equal(run.code, 0, `${line}\n${run.stderr}${run.stdout}`);
      const started = await startedWith(client, workflowId);
      assert.deepEqual([started.type, started.taskQueue], [type, unserved], line);
      await terminateIfRunning(client, workflowId);
    }
  });
});
