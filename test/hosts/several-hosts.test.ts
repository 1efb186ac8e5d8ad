// Several hosts, simulated honestly on one machine (issue 13, items 3 and 4): every part on its
// own loopback address and, where it can, its usual port (PostgreSQL on 127.0.1.1-3, all :5432;
// Redis on 127.0.2.N, all :7000; app instances on 127.0.3.N; two workers whose metrics bind 127.0.5.1
// and 127.0.5.2; nginx, Prometheus and the admin API on 127.0.6.1; Temporal reached on 127.0.4.1:7233).
// Only Temporal's dev server stays on 127.0.0.1 (port 7733, behind its gRPC front on 127.0.4.1:
// see infra/local/several-hosts.sh), so a hidden assumption of 127.0.0.1 anywhere else fails here. The file starts its own stack and stops it again.
import './several-hosts-env'; // first: the testkit reads the environment when it loads
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { docsRecipe, runDocsLine } from '../../testkit/docs-recipes';
import { highestActivityAttempt } from '../../testkit/history';
import { postmasterPid, primeMonitor, waitClusterHealthy, WritableProber, Writer } from '../../testkit/pg-cluster';
import { instancesSeenThroughLoadBalancer, listContainers, upstreamMembers } from '../../testkit/platform';
import { redisExtraNodes } from '../../testkit/ports';
import { clusterView, extraNodeFolders, redisCliCheck } from '../../testkit/redis';
import { ListWriter } from '../../testkit/redis-writer';
import { taskQueueFor } from '../../testkit/stack';
import { useTemporalSession } from '../../testkit/temporal-session';
import { several } from './several-hosts-env';
import {
  freshStack,
  stackListeners,
  stack,
  startHostWorker,
  upstreamServerLines,
  workerRunning,
  type HostWorker,
} from './several-hosts-kit';

const SERVICE = 'jarvis-app';
const taskQueue = taskQueueFor('several hosts');
const METRICS_HOSTS = ['127.0.5.1', '127.0.5.2'];

describe('the platform on several (simulated) hosts, with two workers', () => {
  let workers: HostWorker[] = [];
  // Hooks run in the order they are declared: the stack first, then the session's client.
  before(async () => {
    await freshStack();
    workers = await Promise.all(METRICS_HOSTS.map((h) => startHostWorker(taskQueue, h)));
  });
  const session = useTemporalSession();
  after(async () => {
    // SIGKILL: a worker's graceful shutdown waits on the health router's long poll; the stack goes next anyway.
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await stack('down');
  });

  /** SIGKILLs the worker that runs `activityType` for the workflow; a new one takes its address back. */
  async function killWorkerRunning(handle: Parameters<typeof workerRunning>[0], activityType: string): Promise<HostWorker> {
    const victim = await workerRunning(handle, activityType, workers);
    await victim.kill('SIGKILL');
    workers = workers.filter((w) => w !== victim);
    process.stdout.write(`# SIGKILLed the worker on ${victim.metricsHost} inside ${activityType}\n`);
    return victim;
  }

  /** No process of this stack (Temporal's dev server aside) listens on 127.0.0.1, and each listens where the shape says. */
  async function assertOwnAddresses(): Promise<string[]> {
    const listeners = await stackListeners(workers);
    assert.deepEqual(
      listeners.filter((l) => l.startsWith('127.0.0.1:') || l.startsWith('0.0.0.0:') || l.startsWith('*:')),
      [],
      listeners.join(', '),
    );
    return listeners;
  }

  it('runs every part on its own address: nothing of it listens on 127.0.0.1 or 0.0.0.0', async () => {
    assert.equal(several.TEMPORAL_ADDRESS, '127.0.4.1:7233', 'every client reaches Temporal on its own host');
    const listeners = await assertOwnAddresses();
    for (const expected of [
      '127.0.1.1:5432',
      '127.0.1.2:5432',
      '127.0.1.3:5432',
      '127.0.2.1:7000',
      '127.0.2.6:7000',
      '127.0.2.6:17000',
      '127.0.4.1:7233',
      '127.0.6.1:8080',
      '127.0.6.1:9090',
      '127.0.5.1:9464',
      '127.0.5.2:9464',
      '127.0.5.1:9465',
    ]) {
      assert.ok(
        listeners.some((l) => l.startsWith(`${expected} `)),
        `${expected} is listened on: ${listeners.join(', ')}`,
      );
    }
    for (const host of METRICS_HOSTS) {
      const text = await fetch(`http://${host}:9464/metrics`).then((r) => r.text());
      assert.match(text, /jarvis_worker_/, `the worker metrics on ${host} answer`);
    }
  });

  it('scaleUp puts each instance on its own address, and nginx and the probes use it', async () => {
    const result = await session.client.workflow.execute('scaleUp', {
      taskQueue,
      workflowId: `several-hosts-scale-up-${Date.now()}`,
      args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }],
    });
    assert.deepEqual(result.added, ['jarvis-app-1', 'jarvis-app-2']);
    const instances = await listContainers();
    assert.deepEqual(
      instances.map((i) => `${i.name}@${i.host}:${i.port}`),
      ['jarvis-app-1@127.0.3.1:3101', 'jarvis-app-2@127.0.3.2:3102'],
    );
    const lines = await upstreamServerLines();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /^server 127\.0\.3\.1:3101 .*# jarvis-app-1/);
    assert.match(lines[1], /^server 127\.0\.3\.2:3102 .*# jarvis-app-2/);
    const listeners = await assertOwnAddresses();
    assert.ok(
      listeners.some((l) => l.startsWith('127.0.3.2:3102 ')),
      listeners.join(', '),
    );
    assert.deepEqual([...new Set(await instancesSeenThroughLoadBalancer(20))].sort(), ['jarvis-app-1', 'jarvis-app-2']);
  });

  it('a scaleUp whose worker is SIGKILLed in the health wait is finished once by the other worker', async () => {
    const handle = await session.client.workflow.start('scaleUp', {
      taskQueue,
      workflowId: 'scale/jarvis-app',
      args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
    });
    await killWorkerRunning(handle, 'waitForHealthy');
    const result = await handle.result();
    assert.deepEqual(result.added, ['jarvis-app-3']);
    assert.equal(await highestActivityAttempt(handle, 'waitForHealthy'), 2, 'the health wait ran again on the other worker');
    assert.equal(await highestActivityAttempt(handle, 'ensureInstanceStarted'), 1, 'the instance was started once');
    const instances = await listContainers();
    assert.deepEqual(
      instances.map((i) => `${i.name}@${i.host}`),
      ['jarvis-app-1@127.0.3.1', 'jarvis-app-2@127.0.3.2', 'jarvis-app-3@127.0.3.3'],
      'no duplicate and no orphan',
    );
    assert.deepEqual(
      (await upstreamMembers()).map((m) => `${m.name}@${m.host}:${m.port}`),
      ['jarvis-app-1@127.0.3.1:3101', 'jarvis-app-2@127.0.3.2:3102', 'jarvis-app-3@127.0.3.3:3103'],
    );
    workers.push(
      await startHostWorker(
        taskQueue,
        METRICS_HOSTS.find((h) => !workers.some((w) => w.metricsHost === h))!,
      ),
    );
  });

  it('drainInstance takes the instance out of nginx and stops it, through its own address', async () => {
    const result = await session.client.workflow
      .execute('drainInstance', {
        taskQueue,
        workflowId: `several-hosts-drain-${Date.now()}`,
        args: [{ instance: 'jarvis-app-2', drainTimeoutSeconds: 10 }],
      })
      .catch((error: Error) => assert.fail(`drainInstance failed: ${(error.cause as Error | undefined)?.message ?? error.message}`));
    assert.deepEqual(result.removed, ['jarvis-app-2']);
    assert.equal(result.drains[0].drained, true, 'its connections closed before it stopped');
    assert.deepEqual(
      (await listContainers()).map((i) => i.name),
      ['jarvis-app-1', 'jarvis-app-3'],
    );
    assert.deepEqual(
      (await upstreamMembers()).map((m) => `${m.name}@${m.host}`),
      ['jarvis-app-1@127.0.3.1', 'jarvis-app-3@127.0.3.3'],
    );
    assert.deepEqual([...new Set(await instancesSeenThroughLoadBalancer(20))].sort(), ['jarvis-app-1', 'jarvis-app-3']);
  });

  it('pgFailover promotes a server on another host, the old primary rejoins, one writable server throughout and no acknowledged write lost', async () => {
    const oldPrimary = await waitClusterHealthy();
    const writer = await Writer.create('several_hosts_writes');
    const prober = new WritableProber();
    writer.start();
    await writer.waitForAcks(50);
    await primeMonitor(session.client, taskQueue);
    prober.start();
    process.kill(postmasterPid(oldPrimary), 'SIGKILL');
    const killedAt = Date.now();
    const result = await session.client.workflow.execute('pgFailover', {
      taskQueue,
      workflowId: 'pg-failover/main',
      args: [{ cluster: 'main' }],
    });
    assert.equal((result as { outcome: string }).outcome, 'failed-over', JSON.stringify(result));
    await writer.firstAckAfter(killedAt, oldPrimary as never);
    const newPrimary = await waitClusterHealthy(90_000);
    await prober.stop();
    await writer.stop();
    assert.notEqual(newPrimary, oldPrimary);
    assert.equal(prober.maxWritable, 1, `never two writable servers: ${prober.violations.join('; ')}`);
    for (const name of ['primary', 'replica1', 'replica2'] as const)
      assert.deepEqual(await writer.missingOn(name), [], `${name} has every acknowledged row`);
    process.stdout.write(
      `# failover ${oldPrimary} (${several[`PG_${oldPrimary.toUpperCase()}_HOST`]}) -> ${newPrimary}; ${writer.acked.length} acknowledged writes\n`,
    );
  });

  it('redisAddNode on a new host and a reshard under write load, its worker SIGKILLed mid-migration: no write lost, every slot covered', async () => {
    const writer = new ListWriter(3_000);
    await writer.populate();
    writer.start();
    const newNode = redisExtraNodes[0];
    assert.deepEqual(newNode, { host: '127.0.2.7', port: 7000 }, 'node 7 is a host of its own, on the one port');
    const added = await session.client.workflow.execute('redisAddNode', {
      taskQueue,
      workflowId: `several-hosts-redis-add-${Date.now()}`,
      args: [{ address: '127.0.2.7:7000' }],
    });
    assert.equal(added.address, '127.0.2.7:7000');
    const view = await clusterView();
    const announced = view.nodes.find((n) => n.id === added.nodeId);
    assert.equal(`${announced?.host}:${announced?.port}`, '127.0.2.7:7000', 'node 7 announces its own address and the shared port');
    assert.deepEqual(
      view.nodes.map((n) => n.port).filter((p) => p !== 7000),
      [],
      'every node of the cluster is on port 7000',
    );
    assert.ok(
      (await assertOwnAddresses()).some((l) => l.startsWith('127.0.2.7:7000 ')),
      'the new node listens on its own host',
    );
    const SLOTS = 200;
    const reshard = await session.client.workflow.start('redisReshard', {
      taskQueue,
      workflowId: REDIS_MUTEX_ID,
      args: [{ target: added.nodeId, slots: SLOTS, throttleKeysPerSecond: 400, slotsPerActivity: 25 }],
    });
    await killWorkerRunning(reshard, 'migrateRedisSlots');
    const resharded = await reshard.result();
    assert.equal(resharded.slotsMoved, SLOTS);
    assert.ok((await highestActivityAttempt(reshard, 'migrateRedisSlots')) >= 2, 'the interrupted chunk was resumed by the other worker');
    assert.ok((await redisCliCheck()).clean, 'redis-cli --cluster check is clean: every slot covered, none open');
    const removed = await session.client.workflow.execute('redisRemoveNode', {
      taskQueue,
      workflowId: `several-hosts-redis-remove-${Date.now()}`,
      args: [{ nodeId: added.nodeId }],
    });
    assert.equal(removed.slotsMoved, SLOTS);
    const report = await writer.stop();
    const verified = await writer.verify();
    assert.deepEqual(verified.problems, [], 'every acknowledged value is present, in order');
    assert.equal(report.errors, 0, `writer errors: ${report.firstErrors.join(' | ')}`);
    assert.deepEqual(extraNodeFolders(), []);
    await writer.cleanup();
    workers.push(
      await startHostWorker(
        taskQueue,
        METRICS_HOSTS.find((h) => !workers.some((w) => w.metricsHost === h))!,
      ),
    );
  });

  it('two workers keep one health router per service, and both serve their metrics', async () => {
    const running = session.client.workflow.list({ query: 'WorkflowType="healthRouter" AND ExecutionStatus="Running"' });
    const ids: string[] = [];
    for await (const w of running) ids.push(w.workflowId);
    assert.deepEqual(ids, ['health-router/jarvis-app']);
    await assertOwnAddresses();
    for (const host of METRICS_HOSTS) {
      const text = await fetch(`http://${host}:9464/metrics`).then((r) => r.text());
      assert.match(text, /jarvis_worker_/, `the worker on ${host} serves its metrics`);
    }
  });

  it('answers the recipe of docs/several-hosts.md as written', async () => {
    const out: string[] = [];
    for (const line of docsRecipe('several-hosts.md', 'several-hosts-look')) out.push((await runDocsLine(line)).stdout);
    const text = out.join('\n');
    assert.match(text, /TEMPORAL_ADDRESS=127\.0\.4\.1:7233/);
    assert.match(text, /primary +127\.0\.1\.\d:5432 +up/);
    assert.match(text, /"instance":"jarvis-app-[13]"|jarvis-app-[13]/, 'a request through nginx on 127.0.6.1 reached an instance');
  });
});
