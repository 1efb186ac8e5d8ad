// Cancelling each long scaling step leaves a consistent platform: the instance count and
// versions expected, every instance running, and nginx's upstream holding exactly them. The
// workflow is reported as cancelled, not failed with a domain error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rollingUpdateProgressQuery } from '../../contracts/scaling';
import { createNginxActivities, loadBalancerSettings } from '../../activities/routing/nginx';
import { assertCancelled, assertInstancesServed, assertPlatformConsistent, platformProblems } from '../../testkit/consistency';
import { waitForPendingActivity } from '../../testkit/history';
import { instanceNamed, SERVICE } from '../../testkit/platform';
import { scaleUpNow, startUnderScaleMutex } from '../../testkit/scaling';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorker, withWorkerEnv } from '../../testkit/workers';

const env = { MIN_INSTANCES: '1' };
const slowBoot = { ...env, APP_STARTUP_DELAY_MS: '4000' };

describe('cancelling a scaling operation', () => {
  const session = usePlatformSession({ resetBeforeEach: true });
  const scaleUpTo = (taskQueue: string, count: number) => scaleUpNow(session.client, taskQueue, count);

  it('a scaleUp cancelled in its health wait removes the new instance and reports the cancel', async () => {
    const taskQueue = taskQueueFor('scaleUp cancelled in health wait');
    await withWorker(taskQueue, () => scaleUpTo(taskQueue, 1), env);
    await withWorkerEnv(taskQueue, slowBoot, async () => {
      const handle = await startUnderScaleMutex(session.client, taskQueue, 'scaleUp', {
        service: SERVICE,
        count: 1,
        cooldownSeconds: 0,
        healthTimeoutSeconds: 60,
      });
      await waitForPendingActivity(handle, 'waitForHealthy');
      await handle.cancel();
      await assertCancelled(handle.result());
    });
    await assertPlatformConsistent({ count: 1, version: 'v1' });

    // The check can fail: an upstream member that no instance backs is caught.
    const config = testWorkerConfig();
    const nginx = createNginxActivities(loadBalancerSettings(config));
    await nginx.ensureUpstreamMember(SERVICE, { name: 'jarvis-app-9', port: config.appBasePort + 9 });
    try {
      const problems = await platformProblems({ count: 1, version: 'v1' });
      assert.deepEqual(problems, ['upstream [jarvis-app-1, jarvis-app-9] is not the instances [jarvis-app-1]']);
    } finally {
      await nginx.removeUpstreamMember(SERVICE, 'jarvis-app-9');
    }
  });

  it('a rollingUpdate cancelled mid-way rolls back: N instances, all on the old version', async () => {
    const taskQueue = taskQueueFor('rollingUpdate cancelled mid-way');
    await withWorker(taskQueue, () => scaleUpTo(taskQueue, 2), env);
    await withWorkerEnv(taskQueue, slowBoot, async () => {
      const handle = await startUnderScaleMutex(session.client, taskQueue, 'rollingUpdate', { service: SERVICE, version: 'v2' });
      // Mid-way: one instance replaced, the second new one waiting to become healthy.
      for (let i = 0; i < 600; i++) {
        const progress = await handle.query(rollingUpdateProgressQuery);
        if (progress.replaced.length === 1 && progress.step === 'health-wait') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const before = await handle.query(rollingUpdateProgressQuery);
      assert.equal(before.replaced.length, 1, JSON.stringify(before));
      await handle.cancel();
      await assertCancelled(handle.result());
      const after = await handle.query(rollingUpdateProgressQuery);
      assert.equal(after.rollingBack, true, 'the rollback ran');
      assert.equal(after.step, 'cancelled');
    });
    await assertPlatformConsistent({ count: 2, version: 'v1' });
  });

  it('a drain cancelled while connections drain still ends with the instance removed', async () => {
    const taskQueue = taskQueueFor('drainInstance cancelled');
    await withWorkerEnv(taskQueue, env, async () => {
      await scaleUpTo(taskQueue, 2);
      const victim = await instanceNamed('jarvis-app-1');
      // A slow request keeps the drain waiting; it still finishes (graceful stop).
      const slow = fetch(`http://127.0.0.1:${victim.port}/api/slow?ms=6000`).then((r) => r.status);
      const handle = await startUnderScaleMutex(session.client, taskQueue, 'drainInstance', {
        instance: 'jarvis-app-1',
        drainTimeoutSeconds: 60,
      });
      await waitForPendingActivity(handle, 'waitForConnectionsDrained');
      await handle.cancel();
      await assertCancelled(handle.result());
      assert.equal(await slow, 200, 'the in-flight request finished');
    });
    await assertPlatformConsistent({ count: 1, version: 'v1' });
    await assertInstancesServed(['jarvis-app-2']);
  });
});
