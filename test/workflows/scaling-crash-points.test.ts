// SIGKILL the worker inside scaleUp, drainInstance and rollingUpdate at three points each
// (the start, the health wait or drain, after nginx was changed) and let a new worker
// process finish the operation. Each scenario then checks the whole platform: exactly
// the expected instances, each alive and ready, each in nginx's upstream and reached
// through it, and nothing else.
//
// The scenarios run in order on one platform, each starting from the instances the
// previous one left: on a 2-core machine a fresh set of instances and workers per
// scenario would triple the run time. Each scenario first asserts the state it starts
// from, so a failure points at the scenario that broke it. Points already covered
// elsewhere: scaleUp's health wait (scale-up-crash.test.ts), rollingUpdate's health wait
// (rolling-update.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resumeSignal } from '../../contracts/scaling';
import { highestActivityAttempt, waitForPendingActivity, waitForTimerStarted } from '../../testkit/history';
import { listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { scaleUpNow } from '../../testkit/scaling';
import { taskQueueFor } from '../../testkit/stack';
import { waitForRolloutPause } from '../../testkit/rollout';
import { assertHandedOver, assertPlatformIs, CrashHarness } from './scaling-crash-harness';

const SCENARIO = { timeout: 240_000 };

describe('scaling operations survive a worker SIGKILL at the start, in the wait, and after the nginx change', () => {
  const taskQueue = taskQueueFor('scaling crash points');
  const harness = new CrashHarness(taskQueue);
  before(() => harness.open());
  after(() => harness.close());

  it('scaleUp killed at its start adds exactly the two instances asked for', SCENARIO, async (t) => {
    await assertPlatformIs([]);
    const start = () => harness.startUnderMutex('scaleUp', { service: SERVICE, count: 2, cooldownSeconds: 0 });
    const crashed = await harness.crashAtStart(t, start);
    if (!crashed) {
      await (await start()).result();
      return;
    }
    const result = await crashed.handle.result();
    assert.deepEqual(result.added, ['jarvis-app-1', 'jarvis-app-2']);
    assert.ok((await highestActivityAttempt(crashed.handle, 'listInstances')) >= 2, 'listInstances ran again on the new worker');
    assert.equal(await highestActivityAttempt(crashed.handle, 'ensureInstanceStarted'), 1, 'each instance was started once');
    await assertHandedOver(crashed.handle, crashed.victim, crashed.finisher);
    await assertPlatformIs([
      ['jarvis-app-1', 'v1'],
      ['jarvis-app-2', 'v1'],
    ]);
  });

  it('scaleUp killed in its cooldown, after nginx took the new instance, keeps it and adds no other', SCENARIO, async () => {
    await assertPlatformIs([
      ['jarvis-app-1', 'v1'],
      ['jarvis-app-2', 'v1'],
    ]);
    const handle = await harness.startUnderMutex('scaleUp', { service: SERVICE, count: 1, cooldownSeconds: 3 });
    await waitForTimerStarted(handle);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await harness.killAndReplace();
    const result = await handle.result();
    assert.deepEqual(result.added, ['jarvis-app-3']);
    assert.deepEqual(result.instances, ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3']);
    await assertHandedOver(handle, victim, finisher);
    await assertPlatformIs([
      ['jarvis-app-1', 'v1'],
      ['jarvis-app-2', 'v1'],
      ['jarvis-app-3', 'v1'],
    ]);
  });

  it('drainInstance killed in its cooldown, after the instance left nginx and was removed, removes only it', SCENARIO, async () => {
    const handle = await harness.startUnderMutex('drainInstance', {
      instance: 'jarvis-app-3',
      cooldownSeconds: 3,
      drainTimeoutSeconds: 10,
    });
    await waitForTimerStarted(handle);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-1', 'jarvis-app-2'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await harness.killAndReplace();
    const result = await handle.result();
    assert.deepEqual(result.removed, ['jarvis-app-3']);
    assert.equal(result.drains[0].forcedStop, false);
    await assertHandedOver(handle, victim, finisher);
    await assertPlatformIs([
      ['jarvis-app-1', 'v1'],
      ['jarvis-app-2', 'v1'],
    ]);
  });

  it('drainInstance killed while connections drain lets the request finish and removes only the instance', SCENARIO, async () => {
    const target = (await listContainers()).find((c) => c.name === 'jarvis-app-2');
    assert.ok(target);
    // A slow request holds a connection open, so the drain is still waiting when the worker dies.
    const slow = fetch(`http://127.0.0.1:${target.port}/api/slow?ms=9000`).then((r) => r.status);
    const handle = await harness.startUnderMutex('drainInstance', { instance: 'jarvis-app-2', drainTimeoutSeconds: 30 });
    await waitForPendingActivity(handle, 'waitForConnectionsDrained');
    const { victim, finisher } = await harness.killAndReplace();
    const result = await handle.result();
    assert.deepEqual(result.removed, ['jarvis-app-2']);
    assert.equal(result.drains[0].drained, true, 'the connections reached zero before the deadline');
    assert.equal(await slow, 200, 'the request in flight finished');
    assert.ok((await highestActivityAttempt(handle, 'waitForConnectionsDrained')) >= 2, 'the drain wait resumed on the new worker');
    await assertHandedOver(handle, victim, finisher);
    await assertPlatformIs([['jarvis-app-1', 'v1']]);
  });

  it(
    'rollingUpdate killed while the old instance drains, after nginx swapped it for the new one, finishes the swap',
    SCENARIO,
    async () => {
      const old = (await listContainers()).find((c) => c.name === 'jarvis-app-1');
      assert.ok(old);
      const handle = await harness.startUnderMutex('rollingUpdate', { service: SERVICE, version: 'v2', drainTimeoutSeconds: 30 });
      // Once the new instance boots, hold a connection on the old one so that its drain lasts.
      await waitForPendingActivity(handle, 'waitForHealthy');
      const slow = fetch(`http://127.0.0.1:${old.port}/api/slow?ms=12000`).then((r) => r.status);
      await waitForPendingActivity(handle, 'waitForConnectionsDrained', 60_000);
      assert.deepEqual(
        (await upstreamMembers()).map((m) => m.name),
        ['jarvis-app-2'],
        'nginx took the new instance and dropped the old one before the kill',
      );
      const { victim, finisher } = await harness.killAndReplace();
      const result = await handle.result();
      assert.deepEqual(result.replaced, [{ old: 'jarvis-app-1', new: 'jarvis-app-2' }]);
      assert.equal(await slow, 200, 'the request in flight on the old instance finished');
      assert.ok((await highestActivityAttempt(handle, 'waitForConnectionsDrained')) >= 2, 'the drain wait resumed on the new worker');
      await assertHandedOver(handle, victim, finisher);
      await assertPlatformIs([['jarvis-app-2', 'v2']]);
    },
  );

  it('rollingUpdate killed at its start replaces the one instance exactly once', SCENARIO, async (t) => {
    await assertPlatformIs([['jarvis-app-2', 'v2']]);
    const start = () => harness.startUnderMutex('rollingUpdate', { service: SERVICE, version: 'v3', drainTimeoutSeconds: 10 });
    const crashed = await harness.crashAtStart(t, start);
    if (!crashed) {
      await (await start()).result();
      return;
    }
    const result = await crashed.handle.result();
    assert.deepEqual(result.replaced, [{ old: 'jarvis-app-2', new: 'jarvis-app-1' }]);
    assert.ok((await highestActivityAttempt(crashed.handle, 'listInstances')) >= 2, 'listInstances ran again on the new worker');
    assert.equal(await highestActivityAttempt(crashed.handle, 'ensureInstanceStarted'), 1, 'the new instance was started once');
    await assertHandedOver(crashed.handle, crashed.victim, crashed.finisher);
    await assertPlatformIs([['jarvis-app-1', 'v3']]);
  });

  it('rollingUpdate killed while paused after its canary, with nginx already changed, resumes and finishes', SCENARIO, async () => {
    // A second old instance (v1) so that the update has a canary and a rest.
    await scaleUpNow(harness.client, taskQueue, 1);
    await assertPlatformIs([
      ['jarvis-app-1', 'v3'],
      ['jarvis-app-2', 'v1'],
    ]);
    const handle = await harness.startUnderMutex('rollingUpdate', {
      service: SERVICE,
      version: 'v4',
      pauseAfter: 1,
      drainTimeoutSeconds: 10,
    });
    const progress = await waitForRolloutPause(handle, 600);
    assert.equal(progress.step, 'paused');
    assert.deepEqual(progress.replaced, [{ old: 'jarvis-app-1', new: 'jarvis-app-3' }]);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-2', 'jarvis-app-3'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await harness.killAndReplace();
    await handle.signal(resumeSignal);
    const result = await handle.result();
    assert.deepEqual(result.replaced, [
      { old: 'jarvis-app-1', new: 'jarvis-app-3' },
      { old: 'jarvis-app-2', new: 'jarvis-app-1' },
    ]);
    await assertHandedOver(handle, victim, finisher);
    await assertPlatformIs([
      ['jarvis-app-1', 'v4'],
      ['jarvis-app-3', 'v4'],
    ]);
  });

  it('drainInstance killed at its start drains and removes only its instance', SCENARIO, async (t) => {
    await assertPlatformIs([
      ['jarvis-app-1', 'v4'],
      ['jarvis-app-3', 'v4'],
    ]);
    const crashed = await harness.crashAtStart(t, () =>
      harness.startUnderMutex('drainInstance', { instance: 'jarvis-app-3', drainTimeoutSeconds: 10 }),
    );
    if (!crashed) return;
    const result = await crashed.handle.result();
    assert.deepEqual(result.removed, ['jarvis-app-3']);
    assert.ok((await highestActivityAttempt(crashed.handle, 'listInstances')) >= 2, 'listInstances ran again on the new worker');
    await assertHandedOver(crashed.handle, crashed.victim, crashed.finisher);
    await assertPlatformIs([['jarvis-app-1', 'v4']]);
  });
});
