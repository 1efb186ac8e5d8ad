// The harness of the scaling crash-point scenarios: a worker process to SIGKILL and
// replace, a worker held in its first orchestrator call by a Docker socket that never
// answers (the crash "at the start"), and the checks of the whole platform afterwards.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import Dockerode from 'dockerode';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { waitForPendingActivity } from '../../testkit/history';
import { startHungDockerSocket } from '../../testkit/hung-docker';
import { scaleMutexId } from '../../contracts/scaling';
import { healthOf, listContainers, resetPlatform, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { stateDir, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';

// MIN_INSTANCES 0 lets a drain take the platform down to one instance; a boot delay
// keeps health waits long enough to be seen from the test.
const workerEnv = { MIN_INSTANCES: '0', APP_STARTUP_DELAY_MS: '1000' };

export type Expected = Array<[name: string, version: string]>;

/** Exactly these instances, each running, healthy, in the upstream and answering through nginx. */
export async function assertPlatformIs(expected: Expected): Promise<void> {
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
    instances.map((i) => ({ name: i.name, host: i.host, port: i.port })),
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
export async function assertHandedOver(handle: WorkflowHandle, victim: WorkerProcess, finisher: WorkerProcess): Promise<void> {
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

export interface Crashed {
  handle: WorkflowHandle;
  victim: WorkerProcess;
  finisher: WorkerProcess;
}

/** One worker process serving `taskQueue` at a time, which the scenarios kill and replace. */
export class CrashHarness {
  private opened: { client: Client; connection: Connection } | undefined;
  private live: WorkerProcess | undefined;
  private dockerDriver = false;

  constructor(readonly taskQueue: string) {}

  get client(): Client {
    if (!this.opened) throw new Error('open() the harness in a before hook first');
    return this.opened.client;
  }

  /** A Temporal client, a reset platform, and the first worker process. */
  async open(): Promise<void> {
    this.opened = await temporalClient();
    await resetPlatform(this.client);
    const config = testWorkerConfig();
    this.dockerDriver = (await chooseOrchestrator(config, new Dockerode({ socketPath: config.dockerSocket }))) === 'docker';
    this.live = await startWorkerProcess(this.taskQueue, workerEnv);
  }

  async close(): Promise<void> {
    await this.live?.kill('SIGTERM');
    await resetPlatform(this.client);
    await this.opened?.connection.close();
  }

  /** Starts a scaling operation of `type` under scale/jarvis-app, the mutex every scenario's operation holds. */
  startUnderMutex(type: string, input: object): Promise<WorkflowHandle> {
    return this.client.workflow.start(type, { taskQueue: this.taskQueue, workflowId: scaleMutexId(SERVICE), args: [input] });
  }

  /** SIGKILLs the worker serving the queue and starts a fresh one; returns both. */
  async killAndReplace(): Promise<{ victim: WorkerProcess; finisher: WorkerProcess }> {
    const victim = this.live!;
    await victim.kill('SIGKILL');
    this.live = await startWorkerProcess(this.taskQueue, workerEnv);
    return { victim, finisher: this.live };
  }

  /**
   * The start: the only worker polling has a Docker socket that never answers, so the
   * operation stops in its first orchestrator call (listInstances) before changing
   * anything. That worker is SIGKILLed there and a normal one takes over. Undefined (the
   * test skipped) when this stack runs the process driver.
   */
  async crashAtStart(t: TestContext, start: () => Promise<WorkflowHandle>): Promise<Crashed | undefined> {
    if (!this.dockerDriver) {
      const reason =
        'the start crash needs the docker driver (a hung Docker socket holds the worker in its first call); this stack runs the process driver';
      process.stdout.write(`# skipped: ${reason}\n`);
      t.skip(reason);
      return undefined;
    }
    await this.live?.kill('SIGTERM');
    this.live = undefined;
    const hung = await startHungDockerSocket(stateDir);
    let stuck: WorkerProcess | undefined;
    try {
      stuck = await startWorkerProcess(this.taskQueue, { ...workerEnv, ORCHESTRATOR: 'docker', DOCKER_SOCKET: hung.path });
      const before = (await listContainers()).map((c) => c.name);
      const handle = await start();
      await waitForPendingActivity(handle, 'listInstances');
      await stuck.kill('SIGKILL');
      assert.deepEqual(
        (await listContainers()).map((c) => c.name),
        before,
        'nothing changed before the kill',
      );
      this.live = await startWorkerProcess(this.taskQueue, workerEnv);
      return { handle, victim: stuck, finisher: this.live };
    } finally {
      await stuck?.kill('SIGKILL');
      await hung.close();
    }
  }
}
