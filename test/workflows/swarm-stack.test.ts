// The seed's Swarm commands, for real: `docker stack deploy -c infra/docker/docker-compose.swarm.yml
// jarvis` deploys the app service jarvis_app from the image built here; `docker service scale
// jarvis_app=5`, `docker service ps jarvis_app` and `docker service logs jarvis_app` work as
// written; and the worker (ORCHESTRATOR=swarm, DOCKER_SERVICE_NAME left at its default
// jarvis_app) adopts that service and scales it through scaleUp, scaleDown and drainInstance.
// Replicas share the host network, each on APP_BASE_PORT + its task slot (the test stack's
// base, so nothing meets the main stack's ports). See testkit/swarm-stack.ts for what is held
// at 0 replicas and why.
//
// The engine is left as it was found: the Swarm is initialised here only when the engine is
// not in one and then left again; the stack, its secrets and its containers are removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Dockerode from 'dockerode';
import type { Client, Connection } from '@temporalio/client';
import { createClients, createOrchestrator } from '../../activities';
import { createNginxActivities } from '../../activities/routing/nginx';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { docsRecipe, runDocsLine } from '../../testkit/docs-recipes';
import { healthOf, resetPlatform, SERVICE, upstreamMembers } from '../../testkit/platform';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { APP_SERVICE, deployStack, dockerCli, removeLeftovers, STACK, teardownStack } from '../../testkit/swarm-stack';
import { withWorker } from '../../testkit/workers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const { instance, version } = (await res.json()) as { instance: string; version: string };
  return { instance, version };
}

describe('the Swarm stack as the seed deploys it', () => {
  const config = testWorkerConfig();
  const base = config.appBasePort;
  const docker = new Dockerode({ socketPath: config.dockerSocket });
  let client: Client;
  let connection: Connection;
  let engine = false;
  let joinedHere = false;
  let gwbridgeBefore = true;

  /** The running task's container of each slot, from the Docker API. */
  async function containersBySlot(): Promise<Map<number, string>> {
    const tasks = (await docker.listTasks({ filters: { service: [APP_SERVICE], 'desired-state': ['running'] } })) as {
      Slot: number;
      Status: { ContainerStatus?: { ContainerID?: string } };
    }[];
    return new Map(tasks.map((t) => [t.Slot, t.Status.ContainerStatus?.ContainerID ?? '']));
  }

  async function replicas(): Promise<number> {
    return (await docker.getService(APP_SERVICE).inspect()).Spec.Mode.Replicated.Replicas as number;
  }

  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
    engine = (await chooseOrchestrator({ ...config, orchestrator: 'auto' }, docker)) === 'docker';
    if (!engine) return;
    gwbridgeBefore = (await docker.listNetworks({ filters: { name: ['docker_gwbridge'] } })).length > 0;
    if ((await docker.info()).Swarm?.LocalNodeState !== 'active') {
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1:2377' });
      joinedHere = true;
    }
    await removeLeftovers(docker);
  });

  after(async () => {
    try {
      if (engine) await teardownStack(docker);
    } finally {
      // Whatever the teardown met, a Swarm made here is left (which also drops what it holds).
      if (joinedHere) await docker.swarmLeave({ force: true });
      if (engine && !gwbridgeBefore)
        await docker
          .getNetwork('docker_gwbridge')
          .remove()
          .catch(() => undefined);
      await resetPlatform(client);
      await connection.close();
    }
  });

  it('docker stack deploy, then the seed commands, then the worker adopts jarvis_app and scales it', { timeout: 300_000 }, async (t) => {
    if (!engine) {
      process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
      return t.skip('no Docker Engine');
    }
    // docker stack deploy -c infra/docker/docker-compose.swarm.yml jarvis
    const { heldBack, deploy } = await deployStack(docker, config);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    t.diagnostic(`held at 0 replicas (no image can be pulled here): ${heldBack.join(', ')}`);
    const listed = await dockerCli(['stack', 'services', STACK, '--format', '{{.Name}} {{.Mode}}']);
    assert.deepEqual(
      listed.stdout.trim().split('\n').sort(),
      ['app', ...heldBack].map((s) => `${STACK}_${s} replicated`).sort(),
      'every service of the file exists in the Swarm',
    );
    const service = await docker.getService(APP_SERVICE).inspect();
    assert.equal(service.Spec.Labels['com.docker.stack.namespace'], STACK);
    assert.equal(service.Endpoint?.Ports, undefined, 'no published port: host networking');
    for (const slot of [1, 2, 3]) await waitHealthy(base + slot);
    for (const slot of [1, 2, 3]) assert.deepEqual(await ping(base + slot), { instance: `jarvis-app-${slot}`, version: 'v1' });
    // The stack's nginx seeds its upstream with slots 1-3 when it first starts
    // (infra/nginx/compose-start.sh); here the test stack's nginx is given the same members.
    const nginx = createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix });
    for (const slot of [1, 2, 3]) await nginx.ensureUpstreamMember(SERVICE, { name: `jarvis-app-${slot}`, port: base + slot });

    // The seed's three commands, as docs/deployment.md gives them.
    const [scaleLine, psLine, logsLine] = docsRecipe('deployment.md', 'swarm-seed-commands');
    assert.deepEqual(
      [scaleLine, psLine, logsLine],
      [`docker service scale ${APP_SERVICE}=5`, `docker service ps ${APP_SERVICE}`, `docker service logs ${APP_SERVICE}`],
    );
    // docker service scale jarvis_app=5: two more replicas, each on its own slot's port.
    // It waits until the new tasks run (a failing replica would hold it), so it is bounded.
    await runDocsLine(scaleLine, 90_000);
    assert.equal(await replicas(), 5);
    for (const slot of [4, 5]) {
      await waitHealthy(base + slot);
      assert.deepEqual(await ping(base + slot), { instance: `jarvis-app-${slot}`, version: 'v1' }, "the service's version label");
    }
    // docker service ps jarvis_app: five tasks, each running.
    const tasks = (await runDocsLine(psLine, 30_000)).stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s{2,}/));
    assert.deepEqual(
      tasks.map((columns) => columns[1]).sort(),
      [1, 2, 3, 4, 5].map((slot) => `${APP_SERVICE}.${slot}`),
    );
    for (const columns of tasks) assert.deepEqual([columns[4], columns[5].split(' ')[0]], ['Running', 'Running'], columns.join(' | '));
    // docker service logs jarvis_app: every replica's own lines, each named by its task.
    let logs = '';
    for (let i = 0; i < 50 && ![1, 2, 3, 4, 5].every((slot) => logs.includes(`"instance":"jarvis-app-${slot}"`)); i++) {
      if (i > 0) await sleep(200);
      logs = (await runDocsLine(logsLine, 30_000)).stdout;
    }
    for (const slot of [1, 2, 3, 4, 5])
      assert.match(logs, new RegExp(`^${APP_SERVICE}\\.${slot}\\.\\w+@\\S+\\s+\\| \\{.*"instance":"jarvis-app-${slot}"`, 'm'));

    const taskQueue = taskQueueFor('swarm stack adoption');
    await withWorker(
      taskQueue,
      async () => {
        const clients = createClients(testWorkerConfig({ ORCHESTRATOR: 'swarm' }));
        try {
          const adopted = await createOrchestrator('swarm', testWorkerConfig({ ORCHESTRATOR: 'swarm' }), clients).listInstances(SERVICE);
          assert.deepEqual(
            adopted.map((i) => [i.name, i.port, i.version, i.running]),
            [1, 2, 3, 4, 5].map((slot) => [`jarvis-app-${slot}`, base + slot, 'v1', true]),
            'the driver lists the stack service as it is',
          );
        } finally {
          await clients.close();
        }
        const kept = await containersBySlot();
        const up = await client.workflow.execute('scaleUp', {
          taskQueue,
          workflowId: `scale/${SERVICE}`,
          args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
        });
        assert.deepEqual(up.added, ['jarvis-app-6']);
        assert.equal(await replicas(), 6);
        assert.equal((await ping(base + 6)).instance, 'jarvis-app-6');
        assert.deepEqual(
          (await upstreamMembers()).map((m) => m.name),
          ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3', 'jarvis-app-6'],
          'the seeded members stay; the new one joins',
        );
        const down = await client.workflow.execute('scaleDown', {
          taskQueue,
          workflowId: `scale/${SERVICE}`,
          args: [{ service: SERVICE, cooldownSeconds: 0, drainTimeoutSeconds: 10 }],
        });
        assert.deepEqual(down.removed, ['jarvis-app-6']);
        assert.equal(await replicas(), 5);
        // A replica docker service scale added, drained through the control plane.
        const drained = await client.workflow.execute('drainInstance', {
          taskQueue,
          workflowId: `scale/${SERVICE}`,
          args: [{ instance: 'jarvis-app-4', drainTimeoutSeconds: 10 }],
        });
        assert.deepEqual(drained.instances, ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3', 'jarvis-app-5']);
        assert.equal(await replicas(), 4);
        const now = await containersBySlot();
        assert.deepEqual(
          [1, 2, 3, 5].map((slot) => now.get(slot)),
          [1, 2, 3, 5].map((slot) => kept.get(slot)),
          'the other replicas kept their containers throughout',
        );
        assert.notEqual(await healthOf(base + 4).catch(() => 0), 200, 'nothing answers on slot 4 any more');
      },
      { ORCHESTRATOR: 'swarm', MIN_INSTANCES: '1', MAX_INSTANCES: '8' },
    );
  });

  it("a worker whose APP_BASE_PORT differs from the service's is refused with a message naming both", { timeout: 30_000 }, async (t) => {
    if (!engine) return t.skip('no Docker Engine');
    const wrong = testWorkerConfig({ ORCHESTRATOR: 'swarm', APP_BASE_PORT: String(base + 1000) });
    const clients = createClients(wrong);
    try {
      await assert.rejects(
        createOrchestrator('swarm', wrong, clients).listInstances(SERVICE),
        (error: Error & { type?: string; nonRetryable?: boolean }) => {
          assert.equal(error.type, 'InvalidInput');
          assert.equal(error.nonRetryable, true);
          assert.match(
            error.message,
            new RegExp(`jarvis_app runs replica N on APP_BASE_PORT ${base} \\+ N, but this worker's APP_BASE_PORT is ${base + 1000}`),
          );
          return true;
        },
      );
    } finally {
      await clients.close();
    }
  });
});
