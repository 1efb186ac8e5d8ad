import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressQuery } from '../../contracts/common/progress';
import { assertFailsWith } from '../../testkit/failures';
import { healthOf, instancesSeenThroughLoadBalancer, listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';

describe('scaleUp against the real dev server, Docker Engine and nginx', () => {
  const session = usePlatformSession({ resetBeforeEach: true });

  it('leaves exactly one new healthy container that serves through nginx', async () => {
    const taskQueue = taskQueueFor('scaleUp adds one instance');
    const result = await withWorker(taskQueue, () =>
      session.client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: `scale-up-plain-${Date.now()}`, // like the plain CLI command: not the mutex ID
        args: [{ service: SERVICE, cooldownSeconds: 0 }],
      }),
    );
    assert.deepEqual(result.added, ['jarvis-app-1']);

    const containers = await listContainers();
    assert.deepEqual(
      containers.map((c) => [c.name, c.running]),
      [['jarvis-app-1', true]],
    );
    assert.equal(await healthOf(containers[0].port), 200);
    assert.deepEqual(await upstreamMembers(), [{ name: 'jarvis-app-1', host: containers[0].host, port: containers[0].port }]);
    const seen = await instancesSeenThroughLoadBalancer(5);
    assert.deepEqual([...new Set(seen)], ['jarvis-app-1']);
  });

  it('adds instances one at a time, each reachable through the load balancer', async () => {
    const taskQueue = taskQueueFor('scaleUp adds two instances');
    const result = await withWorker(taskQueue, () =>
      session.client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }],
      }),
    );
    assert.deepEqual(result.added, ['jarvis-app-1', 'jarvis-app-2']);
    assert.deepEqual(result.instances, ['jarvis-app-1', 'jarvis-app-2']);
    const seen = new Set(await instancesSeenThroughLoadBalancer(30));
    assert.deepEqual([...seen].sort(), ['jarvis-app-1', 'jarvis-app-2']);
  });

  it('refuses a second scaleUp for the same service while the first holds its cooldown', async () => {
    const taskQueue = taskQueueFor('scaleUp mutex');
    await withWorker(taskQueue, async () => {
      const first = await session.client.workflow.start('scaleUp', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ service: SERVICE, cooldownSeconds: 60 }],
      });
      for (let i = 0; i < 200; i++) {
        const progress = await first.query(progressQuery);
        if (progress.step === 'cooldown') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await first.query(progressQuery)).step, 'cooldown');
      // The Temporal UI shows this line as the workflow's current details.
      const metadata = await first.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.equal(metadata.currentDetails, 'cooldown: holding the jarvis-app scaling lock for 60 s');

      const second = session.client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: `scale-up-second-${Date.now()}`,
        args: [{ service: SERVICE, cooldownSeconds: 0 }],
      });
      await assertFailsWith(second, 'OperationInProgress', /another operation for jarvis-app is running as workflow scale\/jarvis-app/);
      await first.cancel();
    });
    assert.equal((await listContainers()).length, 1, 'the refused operation must not start a container');
  });

  it('removes an instance that never becomes healthy and fails with a clear error', async () => {
    const taskQueue = taskQueueFor('scaleUp unhealthy instance');
    const run = withWorker(
      taskQueue,
      () =>
        session.client.workflow.execute('scaleUp', {
          taskQueue,
          workflowId: 'scale/jarvis-app',
          args: [{ service: SERVICE, cooldownSeconds: 0, healthTimeoutSeconds: 2 }],
        }),
      { APP_STARTUP_DELAY_MS: '600000' },
    );
    const port = testWorkerConfig().appBasePort + 1; // 3101 on the default ports
    await assertFailsWith(
      run,
      'InstanceUnhealthy',
      new RegExp(
        `jarvis-app-1 did not become healthy within 2 s and was removed: no healthy answer from http://127\\.0\\.0\\.1:${port}/api/health; last answer: HTTP 503`,
      ),
    );
    assert.deepEqual(await listContainers(), []);
    assert.deepEqual(await upstreamMembers(), []);
  });

  describe('bad input fails at once, non-retryable, and starts nothing', () => {
    const cases: Array<[string, unknown, string, RegExp]> = [
      [
        'an unknown service',
        { service: 'no-such-service' },
        'UnknownService',
        /unknown service "no-such-service"; this worker scales: jarvis-app/,
      ],
      ['a non-numeric count', { service: SERVICE, count: 'three' }, 'InvalidInput', /invalid scaleUp input: count must be a number/],
      ['a negative cooldown', { service: SERVICE, cooldownSeconds: -1 }, 'InvalidInput', /cooldownSeconds must not be negative/],
      ['a count above MAX_INSTANCES', { service: SERVICE, count: 11 }, 'LimitExceeded', /would exceed MAX_INSTANCES=10/],
    ];
    for (const [name, input, type, message] of cases) {
      it(`rejects ${name}`, async () => {
        const taskQueue = taskQueueFor(`scaleUp bad input ${name}`);
        const handle = await withWorker(taskQueue, async () => {
          const h = await session.client.workflow.start('scaleUp', { taskQueue, workflowId: `scale-up-bad-${Date.now()}`, args: [input] });
          await assertFailsWith(h.result(), type, message);
          return h;
        });
        assert.deepEqual(await listContainers(), []);
        assert.deepEqual(await upstreamMembers(), []);
        // One attempt only: a retried bad input would show more than one workflow task failure or activity attempt.
        const history = await handle.fetchHistory();
        const retried = (history.events ?? []).filter(
          (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
        );
        assert.equal(retried.length, 0);
      });
    }
  });
});
