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
import { after, before, describe, it, type TestContext } from 'node:test';
import Dockerode from 'dockerode';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { resumeSignal } from '../../contracts/scaling';
import { highestActivityAttempt, waitForPendingActivity, waitForTimerStarted } from '../../testkit/history';
import { startHungDockerSocket } from '../../testkit/hung-docker';
import { healthOf, listContainers, resetPlatform, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { stateDir, taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';
import { waitForRolloutPause } from '../../testkit/rollout';

// MIN_INSTANCES 0 lets a drain take the platform down to one instance; a boot delay
// keeps health waits long enough to be seen from the test.
const workerEnv = { MIN_INSTANCES: '0', APP_STARTUP_DELAY_MS: '1000' };
const MUTEX = 'scale/jarvis-app';
const SCENARIO = { timeout: 240_000 };

type Expected = Array<[name: string, version: string]>;

/** Exactly these instances, each running, healthy, in the upstream and answering through nginx. */
async function assertPlatformIs(expected: Expected): Promise<void> {
  const instances = await listContainers();
  assert.deepEqual(
    instances.map((i) => [i.name, i.version, i.running]),
    expected.map(([name, version]) => [name, version, true]),
    'exactly the expected instances: no orphan, no duplicate, none stopped',
  );
  assert.equal(new Set(instances.map((i) => i.port)).size, instances.length, 'one instance per port');
  for (const instance of instances) assert.equal(await healthOf(instance.port), 200, `${instance.name} is alive and ready`);
  assert.deepEqual(
    await upstreamMembers(),
    instances.map((i) => ({ name: i.name, port: i.port })),
    "nginx's upstream holds exactly the live instances",
  );
  const want = new Set(expected.map(([name]) => name));
  const seen = new Set<string>();
  for (let i = 0; i < 80 && seen.size < want.size; i++) {
    const res = await fetch(`http://127.0.0.1:${ports.nginx}/api/ping`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    assert.equal(res.status, 200, 'every request through nginx succeeds');
    seen.add(res.headers.get('x-instance-id') ?? 'none');
  }
  assert.deepEqual([...seen].sort(), [...want].sort(), 'nginx reaches every instance and nothing else');
}

/** The workflow's last task was completed by `finisher`, after `victim` had worked on it. */
async function assertHandedOver(handle: WorkflowHandle, victim: WorkerProcess, finisher: WorkerProcess): Promise<void> {
  const events = (await handle.fetchHistory()).events ?? [];
  const identities = events
    .map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity)
    .filter((id): id is string => !!id);
  assert.ok(
    identities.some((id) => id.startsWith(`${victim.child.pid}@`)),
    'the killed worker had worked on the operation',
  );
  assert.ok(identities.at(-1)?.startsWith(`${finisher.child.pid}@`), 'the new worker finished it');
}

describe('scaling operations survive a worker SIGKILL at the start, in the wait, and after the nginx change', () => {
  const taskQueue = taskQueueFor('scaling crash points');
  let client: Client;
  let connection: Connection;
  let live: WorkerProcess | undefined;
  let dockerDriver = false;

  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
    const config = testWorkerConfig();
    dockerDriver = (await chooseOrchestrator(config, new Dockerode({ socketPath: config.dockerSocket }))) === 'docker';
    live = await startWorkerProcess(taskQueue, workerEnv);
  });
  after(async () => {
    await live?.kill('SIGTERM');
    await resetPlatform(client);
    await connection.close();
  });

  /** SIGKILLs the worker serving the queue and starts a fresh one; returns both. */
  async function killAndReplace(): Promise<{ victim: WorkerProcess; finisher: WorkerProcess }> {
    const victim = live!;
    await victim.kill('SIGKILL');
    live = await startWorkerProcess(taskQueue, workerEnv);
    return { victim, finisher: live };
  }

  /**
   * The start: the only worker polling has a Docker socket that never answers, so the
   * operation stops in its first orchestrator call (listInstances) before changing
   * anything. That worker is SIGKILLed there and a normal one takes over.
   */
  async function crashAtStart(
    t: TestContext,
    start: () => Promise<WorkflowHandle>,
  ): Promise<{ handle: WorkflowHandle; victim: WorkerProcess; finisher: WorkerProcess } | undefined> {
    if (!dockerDriver) {
      const reason =
        'the start crash needs the docker driver (a hung Docker socket holds the worker in its first call); this stack runs the process driver';
      process.stdout.write(`# skipped: ${reason}\n`);
      t.skip(reason);
      return undefined;
    }
    await live?.kill('SIGTERM');
    live = undefined;
    const hung = await startHungDockerSocket(stateDir);
    let stuck: WorkerProcess | undefined;
    try {
      stuck = await startWorkerProcess(taskQueue, { ...workerEnv, ORCHESTRATOR: 'docker', DOCKER_SOCKET: hung.path });
      const before = (await listContainers()).map((c) => c.name);
      const handle = await start();
      await waitForPendingActivity(handle, 'listInstances');
      await stuck.kill('SIGKILL');
      assert.deepEqual(
        (await listContainers()).map((c) => c.name),
        before,
        'nothing changed before the kill',
      );
      live = await startWorkerProcess(taskQueue, workerEnv);
      return { handle, victim: stuck, finisher: live };
    } finally {
      await stuck?.kill('SIGKILL');
      await hung.close();
    }
  }

  it('scaleUp killed at its start adds exactly the two instances asked for', SCENARIO, async (t) => {
    await assertPlatformIs([]);
    const crashed = await crashAtStart(t, () =>
      client.workflow.start('scaleUp', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }] }),
    );
    if (!crashed) {
      await client.workflow.execute('scaleUp', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }],
      });
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
    const handle = await client.workflow.start('scaleUp', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: SERVICE, count: 1, cooldownSeconds: 3 }],
    });
    await waitForTimerStarted(handle);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await killAndReplace();
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
    const handle = await client.workflow.start('drainInstance', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ instance: 'jarvis-app-3', cooldownSeconds: 3, drainTimeoutSeconds: 10 }],
    });
    await waitForTimerStarted(handle);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-1', 'jarvis-app-2'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await killAndReplace();
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
    const handle = await client.workflow.start('drainInstance', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ instance: 'jarvis-app-2', drainTimeoutSeconds: 30 }],
    });
    await waitForPendingActivity(handle, 'waitForConnectionsDrained');
    const { victim, finisher } = await killAndReplace();
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
      const handle = await client.workflow.start('rollingUpdate', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, version: 'v2', drainTimeoutSeconds: 30 }],
      });
      // Once the new instance boots, hold a connection on the old one so that its drain lasts.
      await waitForPendingActivity(handle, 'waitForHealthy');
      const slow = fetch(`http://127.0.0.1:${old.port}/api/slow?ms=12000`).then((r) => r.status);
      await waitForPendingActivity(handle, 'waitForConnectionsDrained', 60_000);
      assert.deepEqual(
        (await upstreamMembers()).map((m) => m.name),
        ['jarvis-app-2'],
        'nginx took the new instance and dropped the old one before the kill',
      );
      const { victim, finisher } = await killAndReplace();
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
    const crashed = await crashAtStart(t, () =>
      client.workflow.start('rollingUpdate', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, version: 'v3', drainTimeoutSeconds: 10 }],
      }),
    );
    if (!crashed) {
      await client.workflow.execute('rollingUpdate', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, version: 'v3', drainTimeoutSeconds: 10 }],
      });
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
    await client.workflow.execute('scaleUp', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }] });
    await assertPlatformIs([
      ['jarvis-app-1', 'v3'],
      ['jarvis-app-2', 'v1'],
    ]);
    const handle = await client.workflow.start('rollingUpdate', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: SERVICE, version: 'v4', pauseAfter: 1, drainTimeoutSeconds: 10 }],
    });
    const progress = await waitForRolloutPause(handle, 600);
    assert.equal(progress.step, 'paused');
    assert.deepEqual(progress.replaced, [{ old: 'jarvis-app-1', new: 'jarvis-app-3' }]);
    assert.deepEqual(
      (await upstreamMembers()).map((m) => m.name),
      ['jarvis-app-2', 'jarvis-app-3'],
      'nginx was changed before the kill',
    );
    const { victim, finisher } = await killAndReplace();
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
    const crashed = await crashAtStart(t, () =>
      client.workflow.start('drainInstance', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ instance: 'jarvis-app-3', drainTimeoutSeconds: 10 }],
      }),
    );
    if (!crashed) return;
    const result = await crashed.handle.result();
    assert.deepEqual(result.removed, ['jarvis-app-3']);
    assert.ok((await highestActivityAttempt(crashed.handle, 'listInstances')) >= 2, 'listInstances ran again on the new worker');
    await assertHandedOver(crashed.handle, crashed.victim, crashed.finisher);
    await assertPlatformIs([['jarvis-app-1', 'v4']]);
  });
});
