// The orchestrator drivers against the real engine: every action of each driver is
// idempotent, and scaleUp and scaleDown run through the swarm driver (one Swarm service
// whose replica count dockerode sets, host networking, a port per task slot).
//
// The engine is left as it was found: the Swarm is initialised here only when the engine
// is not in one, and then left again (with the docker_gwbridge network it creates).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import Dockerode from 'dockerode';
import type { Client, Connection } from '@temporalio/client';
import { createClients, createOrchestrator } from '../../activities';
import type { Orchestrator } from '../../activities/scaling/orchestrator';
import { chooseOrchestrator, type OrchestratorDriver } from '../../activities/scaling/orchestrator-choice';
import { healthOf, resetPlatform, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The Swarm service behind the service SERVICE: DOCKER_SERVICE_NAME's default, as the seed names it. */
const SWARM_SERVICE = testWorkerConfig().dockerServiceName;

async function waitHealthy(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await healthOf(port).catch(() => 0)) === 200) return;
    await sleep(200);
  }
  throw new Error(`nothing healthy on port ${port} within ${timeoutMs} ms`);
}

async function ping(port: number): Promise<{ instance: string; version: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/ping`, { headers: { connection: 'close' } });
  return (await res.json()) as { instance: string; version: string };
}

/** The container that runs a Swarm slot now (its id changes if Swarm restarts the task). */
async function swarmContainerId(docker: Dockerode, slot: number): Promise<string | undefined> {
  const tasks = await docker.listTasks({ filters: { service: [SWARM_SERVICE], 'desired-state': ['running'] } });
  return tasks.find((t: { Slot?: number }) => t.Slot === slot)?.Status?.ContainerStatus?.ContainerID;
}

describe('orchestrator drivers on the real engine', () => {
  const config = testWorkerConfig();
  const docker = new Dockerode({ socketPath: config.dockerSocket });
  let client: Client;
  let connection: Connection;
  let engine = false;
  let joinedHere = false;
  let gwbridgeBefore = true;

  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
    engine = (await chooseOrchestrator({ ...config, orchestrator: 'auto' }, docker)) === 'docker';
    if (!engine) return;
    gwbridgeBefore = (await docker.listNetworks({ filters: { name: ['docker_gwbridge'] } })).length > 0;
    const info = await docker.info();
    if (info.Swarm?.LocalNodeState !== 'active') {
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1:2377' });
      joinedHere = true;
    }
  });

  after(async () => {
    // A failed test may have left process instances; the Swarm service goes below, containers in resetPlatform.
    await withOrchestrator('process', async (o) => {
      for (const instance of await o.listInstances(SERVICE)) await o.removeInstance(instance.name);
    });
    if (engine) {
      await docker
        .getService(SWARM_SERVICE)
        .remove()
        .catch(() => undefined);
      for (
        let i = 0;
        i < 100 &&
        (await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${SWARM_SERVICE}`] } })).length > 0;
        i++
      )
        await sleep(200);
      if (joinedHere) await docker.swarmLeave({ force: true });
      if (!gwbridgeBefore)
        await docker
          .getNetwork('docker_gwbridge')
          .remove()
          .catch(() => undefined);
    }
    await resetPlatform(client);
    await connection.close();
  });

  async function withOrchestrator<T>(driver: OrchestratorDriver, fn: (o: Orchestrator) => Promise<T>): Promise<T> {
    const clients = createClients(config);
    try {
      return await fn(createOrchestrator(driver, config, clients));
    } finally {
      await clients.close();
    }
  }

  for (const driver of ['process', 'docker', 'swarm'] as const) {
    it(`${driver}: start, stop and remove each succeed a second time without a second effect`, { timeout: 180_000 }, async (t) => {
      if (driver !== 'process' && !engine) {
        process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
        return t.skip('no Docker Engine');
      }
      await withOrchestrator(driver, async (o) => {
        const base = config.appBasePort;
        const one = { service: SERVICE, name: `${SERVICE}-1`, port: base + 1, version: 'v1' };
        const first = await o.ensureInstanceStarted(one);
        const again = await o.ensureInstanceStarted(one);
        assert.deepEqual([first.created, again.created], [true, false], 'the second start finds the instance');
        await waitHealthy(one.port);
        const two = { ...one, name: `${SERVICE}-2`, port: base + 2, version: 'v2' };
        assert.equal((await o.ensureInstanceStarted(two)).created, true);
        await waitHealthy(two.port);
        const answer = await ping(two.port);
        assert.deepEqual([answer.instance, answer.version], [two.name, 'v2'], 'the instance runs with its own name and version');
        assert.deepEqual(
          (await o.listInstances(SERVICE)).map((i) => [i.name, i.port, i.version, i.running]),
          [
            [one.name, one.port, 'v1', true],
            [two.name, two.port, 'v2', true],
          ],
        );
        const slotOneContainer = driver === 'swarm' ? await swarmContainerId(docker, 1) : undefined;

        assert.deepEqual(await o.stopInstance(two.name, 10), { stopped: true, forced: false }, 'SIGTERM, and a clean exit');
        assert.deepEqual(await o.stopInstance(two.name, 10), { stopped: false, forced: false }, 'a second stop has nothing to stop');
        assert.deepEqual(
          (await o.removeInstance(two.name)).removed,
          driver !== 'process',
          'a stopped process is already gone; a container or task is removed',
        );
        assert.deepEqual(await o.removeInstance(two.name), { removed: false }, 'a second remove finds nothing');
        assert.deepEqual(
          (await o.listInstances(SERVICE)).map((i) => [i.name, i.running]),
          [[one.name, true]],
        );
        if (driver === 'swarm')
          assert.equal(await swarmContainerId(docker, 1), slotOneContainer, 'Swarm did not restart slot 1 while slot 2 came and went');

        assert.deepEqual(await o.removeInstance(one.name), { removed: true }, 'removing a running instance stops it first');
        assert.deepEqual(await o.removeInstance(one.name), { removed: false });
        assert.deepEqual(
          await o.stopInstance(one.name, 10),
          { stopped: false, forced: false },
          'stopping a removed instance has nothing to stop',
        );
        assert.deepEqual(await o.listInstances(SERVICE), []);
        assert.notEqual(await healthOf(one.port).catch(() => 0), 200, 'nothing answers on its port any more');
      });
    });
  }

  /** Skips the test, saying why in the report, when no Docker Engine answered at the start. */
  function skippedWithoutEngine(t: TestContext): boolean {
    if (engine) return false;
    process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
    t.skip('no Docker Engine');
    return true;
  }

  it(
    "docker: another stack's container, or a stopped one a dead run left, is not counted, and its name is refused",
    { timeout: 120_000 },
    async (t) => {
      if (skippedWithoutEngine(t)) return;
      const other = { ...config, stateDir: `${config.stateDir}-another-stack` };
      const one = { service: SERVICE, name: `${SERVICE}-1`, port: config.appBasePort + 1, version: 'v1' };
      const otherClients = createClients(other);
      try {
        const otherStack = createOrchestrator('docker', other, otherClients);
        await otherStack.ensureInstanceStarted(one);
        // At once, while Node still boots: Docker's init must pass the SIGTERM on, or the
        // stop waits out its 10 s and kills.
        const stopAt = Date.now();
        assert.deepEqual(
          await otherStack.stopInstance(one.name, 10),
          { stopped: true, forced: false },
          'a stop during boot ends the container without a kill',
        );
        assert.ok(Date.now() - stopAt < 5_000, `a stop during boot took ${Date.now() - stopAt} ms`);
        await withOrchestrator('docker', async (o) => {
          assert.deepEqual(await o.listInstances(SERVICE), [], "the other stack's stopped container is not one of ours");
          await assert.rejects(o.ensureInstanceStarted(one), (error: Error & { type?: string; nonRetryable?: boolean }) => {
            assert.equal(error.type, 'NameConflict');
            assert.equal(error.nonRetryable, true);
            assert.match(error.message, /belongs to another stack .*docker rm -f jarvis-app-1/);
            return true;
          });
        });
        assert.deepEqual(
          (await otherStack.listInstances(SERVICE)).map((i) => [i.name, i.running]),
          [[one.name, false]],
          'and it was not touched',
        );
        await otherStack.removeInstance(one.name);
      } finally {
        await otherClients.close();
      }
    },
  );

  it(
    'swarm: scaleUp and scaleDown set the replica count, and the drained instance is the one Swarm removes',
    { timeout: 240_000 },
    async (t) => {
      if (skippedWithoutEngine(t)) return;
      const taskQueue = taskQueueFor('swarm scaleUp scaleDown');
      const env = { ORCHESTRATOR: 'swarm', MIN_INSTANCES: '1' };
      await withWorker(
        taskQueue,
        async () => {
          const up = await client.workflow.execute('scaleUp', {
            taskQueue,
            workflowId: `scale/${SERVICE}`,
            args: [{ service: SERVICE, count: 3, cooldownSeconds: 0 }],
          });
          assert.deepEqual(up.added, ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3']);
          const service = await docker.getService(SWARM_SERVICE).inspect();
          assert.equal(service.Spec.Mode.Replicated.Replicas, 3, 'the Swarm service holds three replicas');
          const networks = await Promise.all(
            (service.Spec.TaskTemplate.Networks ?? []).map((n: { Target: string }) => docker.getNetwork(n.Target).inspect()),
          );
          assert.deepEqual(
            networks.map((n) => [n.Name, n.Driver]),
            [['host', 'host']],
            'host networking only',
          );
          assert.equal(service.Endpoint?.Ports, undefined, 'no published port');
          assert.deepEqual(
            (await upstreamMembers()).map((m) => [m.name, m.port]),
            [1, 2, 3].map((slot) => [`jarvis-app-${slot}`, config.appBasePort + slot]),
          );
          const seen = new Set<string>();
          for (let i = 0; i < 60 && seen.size < 3; i++) {
            const res = await fetch(`http://127.0.0.1:${ports.nginx}/api/ping`, { headers: { connection: 'close' } });
            await res.arrayBuffer();
            seen.add(res.headers.get('x-instance-id') ?? 'none');
          }
          assert.deepEqual([...seen].sort(), ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3']);
          const kept = [await swarmContainerId(docker, 1), await swarmContainerId(docker, 3)];

          // The middle one, so that "the newest slot" would be the wrong answer.
          const drained = await client.workflow.execute('drainInstance', {
            taskQueue,
            workflowId: `scale/${SERVICE}`,
            args: [{ instance: 'jarvis-app-2', drainTimeoutSeconds: 10 }],
          });
          assert.deepEqual(drained.instances, ['jarvis-app-1', 'jarvis-app-3']);
          assert.deepEqual(
            [await swarmContainerId(docker, 1), await swarmContainerId(docker, 3)],
            kept,
            'slots 1 and 3 kept their containers',
          );
          const down = await client.workflow.execute('scaleDown', {
            taskQueue,
            workflowId: `scale/${SERVICE}`,
            args: [{ service: SERVICE, cooldownSeconds: 0, drainTimeoutSeconds: 10 }],
          });
          assert.deepEqual(down.removed, ['jarvis-app-3']);
          assert.deepEqual(down.instances, ['jarvis-app-1']);
          assert.equal((await docker.getService(SWARM_SERVICE).inspect()).Spec.Mode.Replicated.Replicas, 1);
          assert.equal(await swarmContainerId(docker, 1), kept[0], 'slot 1 kept its container');
          assert.deepEqual(
            (await upstreamMembers()).map((m) => m.name),
            ['jarvis-app-1'],
          );
          assert.equal((await ping(config.appBasePort + 1)).instance, 'jarvis-app-1');
        },
        env,
      );
    },
  );
});
