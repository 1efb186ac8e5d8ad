import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFailsWith } from '../../testkit/failures';
import { waitForPendingActivity } from '../../testkit/history';
import { startSteadyLoad } from '../../testkit/load';
import { instanceNamed, instancesSeenThroughLoadBalancer, listContainers, SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { taskQueueFor } from '../../testkit/stack';
import { withReplaceableWorker, withWorkerEnv } from '../../testkit/workers';
import { scaleUpNow, startUnderScaleMutex } from '../../testkit/scaling';
import { assertInstancesServed } from '../../testkit/consistency';
import { usePlatformSession } from '../../testkit/temporal-session';

// A minimum of 1 keeps these tests to two instances: fast on a 2-core machine.
const env = { MIN_INSTANCES: '1' };

describe('scaleDown and drainInstance against the real stack', () => {
  const session = usePlatformSession({ resetBeforeEach: true });

  const scaleUpTo = (taskQueue: string, count: number) => scaleUpNow(session.client, taskQueue, count);

  it('removes the newest instance under load without a failed request, letting a slow request finish', async () => {
    const taskQueue = taskQueueFor('scaleDown under load');
    await withWorkerEnv(taskQueue, env, async () => {
      await scaleUpTo(taskQueue, 2);
      const victim = await instanceNamed('jarvis-app-2');
      const slow = fetch(`http://127.0.0.1:${victim.port}/api/slow?ms=3000`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { instance: string; sleptMs: number },
      }));
      const load = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 8, maxSeconds: 60 });
      const result = await session.client.workflow.execute('scaleDown', {
        taskQueue,
        workflowId: `scale-down-${Date.now()}`,
        args: [{ service: SERVICE, cooldownSeconds: 0 }],
      });
      const traffic = await load.stop();
      assert.deepEqual(result.removed, ['jarvis-app-2']);
      assert.equal(result.drains[0].forcedStop, false, 'the instance exited by itself after SIGTERM');
      assert.equal(traffic.failed, 0, `failed requests: ${traffic.failures.join('; ')}`);
      assert.ok(traffic.ok > 50, `the load ran (${traffic.ok} requests)`);
      process.stdout.write(
        `# load: ${traffic.ok} requests, 0 failed, ${traffic.retriedStaleConnections} retried after a reload closed their idle keep-alive connection\n`,
      );
      const answer = await slow;
      assert.deepEqual([answer.status, answer.body.instance, answer.body.sleptMs], [200, 'jarvis-app-2', 3000]);
    });
    await assertInstancesServed(['jarvis-app-1']);
    assert.deepEqual([...new Set(await instancesSeenThroughLoadBalancer(4))], ['jarvis-app-1']);
  });

  it('refuses to go below MIN_INSTANCES and changes nothing', async () => {
    const taskQueue = taskQueueFor('scaleDown below minimum');
    await withWorkerEnv(taskQueue, { MIN_INSTANCES: '2' }, async () => {
      await scaleUpTo(taskQueue, 2);
      const attempt = session.client.workflow.execute('scaleDown', {
        taskQueue,
        workflowId: `scale-down-min-${Date.now()}`,
        args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
      });
      await assertFailsWith(attempt, 'LimitExceeded', /jarvis-app has 2 running instances; removing 1 would go below MIN_INSTANCES=2/);
    });
    assert.deepEqual(
      (await listContainers()).map((c) => c.name),
      ['jarvis-app-1', 'jarvis-app-2'],
    );
  });

  it('refuses to drain an instance that does not exist', async () => {
    const taskQueue = taskQueueFor('drainInstance unknown');
    await withWorkerEnv(taskQueue, env, async () => {
      const attempt = session.client.workflow.execute('drainInstance', {
        taskQueue,
        workflowId: `drain-${Date.now()}`,
        args: [{ instance: 'jarvis-app-9' }],
      });
      await assertFailsWith(attempt, 'UnknownInstance', /no instance named jarvis-app-9; jarvis-app has: none/);
      const bad = session.client.workflow.execute('drainInstance', {
        taskQueue,
        workflowId: `drain-bad-${Date.now()}`,
        args: [{ instance: '../../etc/passwd' }],
      });
      await assertFailsWith(bad, 'InvalidInput', /instance must be an instance name such as "jarvis-app-3"/);
    });
  });

  it('completes a drain when the worker is killed while connections are draining', async () => {
    const taskQueue = taskQueueFor('drainInstance crash');
    await withReplaceableWorker(taskQueue, env, async (worker) => {
      await scaleUpTo(taskQueue, 2);
      const victim = await instanceNamed('jarvis-app-1');
      // A slow request keeps a connection open, so the drain is still waiting when the worker dies.
      const slow = fetch(`http://127.0.0.1:${victim.port}/api/slow?ms=9000`).then((r) => r.status);
      const handle = await startUnderScaleMutex(session.client, taskQueue, 'drainInstance', { instance: 'jarvis-app-1' });
      await waitForPendingActivity(handle, 'waitForConnectionsDrained');
      await worker.crash();
      await worker.replace();
      const result = await handle.result();
      assert.deepEqual(result.removed, ['jarvis-app-1']);
      assert.equal(result.drains[0].drained, true);
      assert.equal(await slow, 200, 'the in-flight request finished');
    });
    await assertInstancesServed(['jarvis-app-2']);
  });
});
