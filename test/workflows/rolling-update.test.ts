import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortSignal, resumeSignal } from '../../contracts/scaling';
import { assertFailsWith } from '../../testkit/failures';
import { waitForPendingActivity } from '../../testkit/history';
import { startSteadyLoad } from '../../testkit/load';
import { listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { taskQueueFor } from '../../testkit/stack';
import { withReplaceableWorker, withWorker, withWorkerEnv } from '../../testkit/workers';
import { scaleUpNow, startUnderScaleMutex } from '../../testkit/scaling';
import { usePlatformSession } from '../../testkit/temporal-session';
import { waitForRolloutPause } from '../../testkit/rollout';

const env = { MIN_INSTANCES: '1' };

/** Samples the instance count while `during` runs, to check N ≤ count ≤ N + 1. */
async function countRange<T>(during: Promise<T>): Promise<{ value: T; min: number; max: number }> {
  let done = false;
  let min = Infinity;
  let max = 0;
  const sampler = (async () => {
    while (!done) {
      const n = (await listContainers()).filter((c) => c.running).length;
      min = Math.min(min, n);
      max = Math.max(max, n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { value: await during, min, max };
  } finally {
    done = true;
    await sampler;
  }
}

describe('rollingUpdate against the real stack', () => {
  const session = usePlatformSession({ resetBeforeEach: true });

  const scaleUpTo = (taskQueue: string, count: number) => scaleUpNow(session.client, taskQueue, count);

  /** Two instances on v1, then a rolling update to `version` that pauses after its canary. */
  async function startCanaryUpdate(taskQueue: string, version: string) {
    await scaleUpTo(taskQueue, 2);
    return startUnderScaleMutex(session.client, taskQueue, 'rollingUpdate', { service: SERVICE, version, pauseAfter: 1 });
  }

  it('replaces every instance with the new version under load, with no failed request', async () => {
    const taskQueue = taskQueueFor('rollingUpdate under load');
    await withWorkerEnv(taskQueue, env, async () => {
      await scaleUpTo(taskQueue, 2);
      const load = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 8, maxSeconds: 90 });
      const run = session.client.workflow.execute('rollingUpdate', {
        taskQueue,
        workflowId: `rollout-${Date.now()}`,
        args: [{ service: SERVICE, version: 'v2' }],
      });
      const { value: result, min, max } = await countRange(run);
      const traffic = await load.stop();
      assert.deepEqual(result.replaced, [
        { old: 'jarvis-app-1', new: 'jarvis-app-3' },
        { old: 'jarvis-app-2', new: 'jarvis-app-1' },
      ]);
      assert.equal(traffic.failed, 0, `failed requests: ${traffic.failures.join('; ')}`);
      assert.ok(traffic.ok > 50, `the load ran (${traffic.ok} requests)`);
      process.stdout.write(
        `# load: ${traffic.ok} requests, 0 failed, ${traffic.retriedStaleConnections} retried after a reload closed their idle keep-alive connection\n`,
      );
      assert.ok(min >= 2 && max <= 3, `instance count stayed within [2, 3], saw [${min}, ${max}]`);
    });
    const containers = await listContainers();
    assert.deepEqual(
      containers.map((c) => [c.name, c.version, c.running]),
      [
        ['jarvis-app-1', 'v2', true],
        ['jarvis-app-3', 'v2', true],
      ],
    );
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-1', 'jarvis-app-3'],
    );
    const res = await fetch(`http://127.0.0.1:${ports.nginx}/api/ping`);
    assert.equal(((await res.json()) as { version: string }).version, 'v2');
  });

  it('pauses after a canary, then rolls the canary back on abort', async () => {
    const taskQueue = taskQueueFor('rollingUpdate abort');
    await withWorkerEnv(taskQueue, env, async () => {
      const handle = await startCanaryUpdate(taskQueue, 'v3');
      const progress = await waitForRolloutPause(handle, 300);
      assert.equal(progress.step, 'paused');
      assert.deepEqual(progress.replaced, [{ old: 'jarvis-app-1', new: 'jarvis-app-3' }]);
      await handle.signal(abortSignal, 'canary looked wrong');
      await assertFailsWith(
        handle.result(),
        'RollingUpdateRolledBack',
        /rolling update to v3 aborted: canary looked wrong; rolled back|every replaced instance was rolled back/,
      );
    });
    const containers = await listContainers();
    assert.deepEqual(
      containers.map((c) => c.version),
      ['v1', 'v1'],
      JSON.stringify(containers),
    );
    assert.equal((await upstreamMembers()).length, 2);
  });

  it('resumes after a pause and finishes', async () => {
    const taskQueue = taskQueueFor('rollingUpdate resume');
    await withWorkerEnv(taskQueue, env, async () => {
      const handle = await startCanaryUpdate(taskQueue, 'v4');
      await waitForRolloutPause(handle, 300);
      await handle.signal(resumeSignal);
      const result = await handle.result();
      assert.equal(result.replaced.length, 2);
    });
    assert.deepEqual(
      (await listContainers()).map((c) => c.version),
      ['v4', 'v4'],
    );
  });

  it('rolls back and fails clearly when a new instance never becomes healthy', async () => {
    const taskQueue = taskQueueFor('rollingUpdate unhealthy');
    await withWorker(taskQueue, () => scaleUpTo(taskQueue, 2), env);
    // This worker boots instances slowly, so the update's 1 s health timeout fails the first new one.
    await withWorkerEnv(taskQueue, { ...env, APP_STARTUP_DELAY_MS: '5000' }, async () => {
      const run = session.client.workflow.execute('rollingUpdate', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, version: 'v5', healthTimeoutSeconds: 1 }],
      });
      await assertFailsWith(
        run,
        'RollingUpdateRolledBack',
        /rolling update to v5 stopped: jarvis-app-3 did not become healthy within 1 s and was removed/,
      );
    });
    assert.deepEqual(
      (await listContainers()).map((c) => [c.name, c.version]),
      [
        ['jarvis-app-1', 'v1'],
        ['jarvis-app-2', 'v1'],
      ],
    );
  });

  it('completes with exactly the expected instances when the worker is killed in a health wait', async () => {
    const taskQueue = taskQueueFor('rollingUpdate crash');
    const slowBoot = { ...env, APP_STARTUP_DELAY_MS: '5000' };
    await withWorker(taskQueue, () => scaleUpTo(taskQueue, 1), env);
    await withReplaceableWorker(taskQueue, slowBoot, async (worker) => {
      const handle = await startUnderScaleMutex(session.client, taskQueue, 'rollingUpdate', { service: SERVICE, version: 'v6' });
      await waitForPendingActivity(handle, 'waitForHealthy');
      await worker.crash();
      await worker.replace();
      const result = await handle.result();
      assert.deepEqual(result.replaced, [{ old: 'jarvis-app-1', new: 'jarvis-app-2' }]);
    });
    assert.deepEqual(
      (await listContainers()).map((c) => [c.name, c.version, c.running]),
      [['jarvis-app-2', 'v6', true]],
    );
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-2'],
    );
  });
});
