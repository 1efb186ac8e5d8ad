import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highestActivityAttempt, waitForPendingActivity } from '../../testkit/history';
import { healthOf, instancesSeenThroughLoadBalancer, listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { taskQueueFor } from '../../testkit/stack';
import { startWorkerProcess } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';

describe('scaleUp survives a worker killed with SIGKILL', () => {
  const session = usePlatformSession();

  it('completes with exactly one new container when the worker dies during the health wait', async () => {
    const taskQueue = taskQueueFor('scaleUp crash in health wait');
    // A slow boot keeps the workflow in its health wait long enough to kill the worker there.
    const env = { APP_STARTUP_DELAY_MS: '8000' };
    const first = await startWorkerProcess(taskQueue, env);
    const handle = await session.client.workflow.start('scaleUp', {
      taskQueue,
      workflowId: 'scale/jarvis-app',
      args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 60 }],
    });
    try {
      await waitForPendingActivity(handle, 'waitForHealthy');
      await first.kill('SIGKILL');
      const whileDown = await listContainers();
      assert.deepEqual(
        whileDown.map((c) => c.name),
        ['jarvis-app-1'],
        'the container started before the kill',
      );

      const second = await startWorkerProcess(taskQueue, env);
      try {
        const result = await handle.result();
        assert.deepEqual(result.added, ['jarvis-app-1']);
      } finally {
        await second.kill('SIGTERM');
      }
    } finally {
      await first.kill('SIGKILL');
    }

    const containers = await listContainers();
    assert.deepEqual(
      containers.map((c) => [c.name, c.running]),
      [['jarvis-app-1', true]],
      'no duplicate and no orphan',
    );
    assert.equal(await healthOf(containers[0].port), 200);
    assert.deepEqual(await upstreamMembers(), [{ name: 'jarvis-app-1', host: containers[0].host, port: containers[0].port }]);
    assert.deepEqual([...new Set(await instancesSeenThroughLoadBalancer(4))], ['jarvis-app-1']);
    // The health wait really was interrupted and resumed on the second worker.
    assert.ok((await highestActivityAttempt(handle, 'waitForHealthy')) >= 2, 'waitForHealthy ran a second attempt');
    assert.equal(await highestActivityAttempt(handle, 'ensureInstanceStarted'), 1, 'the container was started once');
  });
});
