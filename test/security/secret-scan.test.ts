// No secret in any workflow history or log: runs every workflow type once (its cheapest
// real variant) on the real worker entry point, then reads EVERY workflow of the namespace
// (inputs, results, memos, search attributes, failures, every event) and every log file
// under the stack's state folder, and fails naming each place that holds one of the
// stack's passwords or its admin token. A self-check first proves the scanner finds a
// planted secret.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection, WorkflowExecutionInfo } from '@temporalio/client';
import Dockerode from 'dockerode';
import * as workflows from '../../workflows';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { PG_NAMES, pgWorkerEnv, waitClusterHealthy } from '../../testkit/pg-cluster';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { assertBaseCluster, clusterView } from '../../testkit/redis';
import { stackSecrets, stateDir, taskQueueFor, temporalClient } from '../../testkit/stack';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';
import { eventText, findSecrets, logFilesUnder, scanFiles, type NamedSecrets, type SecretHit } from './secret-scanner';

/** The stack's secrets, checked to be real: long, random-looking and distinct. */
function realSecrets(): NamedSecrets {
  const secrets = stackSecrets();
  for (const name of [
    'REDIS_PASSWORD',
    'REDIS_APP_PASSWORD',
    'PG_SUPERUSER_PASSWORD',
    'PG_REPLICATION_PASSWORD',
    'PG_APP_PASSWORD',
    'ADMIN_TOKEN',
  ]) {
    const value = secrets[name];
    assert.ok(value, `${name} is in secrets.env`);
    assert.ok(value.length >= 16, `${name} has at least 16 characters`);
    assert.ok(new Set(value).size >= 8, `${name} is not a trivial repetition`);
  }
  assert.equal(new Set(Object.values(secrets)).size, Object.keys(secrets).length, 'every secret is distinct');
  return secrets;
}

async function scanHistories(client: Client, secrets: NamedSecrets): Promise<{ hits: SecretHit[]; workflows: number; types: Set<string> }> {
  const executions: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list()) {
    executions.push(wf);
    if (executions.length >= 20_000) break;
  }
  const hits: SecretHit[] = [];
  const types = new Set<string>();
  let next = 0;
  const reader = async () => {
    while (next < executions.length) {
      const wf = executions[next++];
      types.add(wf.type);
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const event of history.events ?? [])
        hits.push(
          ...findSecrets(
            eventText(event),
            secrets,
            `workflow ${wf.workflowId} run ${wf.runId} (${wf.type}) event ${String(event.eventId)} ${String(event.eventType)}`,
          ),
        );
      // Memo and search attributes as the server describes them now (upserts included).
      hits.push(
        ...findSecrets(
          `${JSON.stringify(wf.memo ?? {})} ${JSON.stringify(wf.searchAttributes ?? {})}`,
          secrets,
          `workflow ${wf.workflowId} run ${wf.runId} memo or search attributes`,
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return { hits, workflows: executions.length, types };
}

/**
 * Under the docker driver an instance's output lives in the engine's log of its container,
 * which goes when the container is removed: copy it into the state folder's logs while the
 * instances run, so the scan reads it like the process driver's instance-*.log files.
 */
async function keepContainerLogs(): Promise<number> {
  const docker = new Dockerode();
  const containers = await docker.listContainers({ all: true, filters: { label: ['jarvis.service'] } }).catch(() => []);
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  for (const c of containers) {
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
    const text = await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, follow: false });
    writeFileSync(path.join(stateDir, 'logs', `instance-${name}-container.log`), text);
  }
  return containers.length;
}

/** The fields of the operations' results this scan feeds into the next operation. */
interface OperationResult {
  added: string[];
  nodeId: string;
  [field: string]: unknown;
}

describe('no secret in any workflow history or log', () => {
  let client: Client;
  let connection: Connection;
  let secrets: NamedSecrets;
  const taskQueue = taskQueueFor('secret scan');
  const workerLog = path.join(stateDir, 'logs', 'secret-scan-worker.log');

  before(async () => {
    ({ client, connection } = await temporalClient());
    secrets = realSecrets();
    await waitClusterHealthy();
    await assertBaseCluster();
    await resetPlatform(client);
  });
  after(async () => {
    await resetPlatform(client);
    await waitClusterHealthy();
    await assertBaseCluster();
    await connection.close();
  });

  it('self-check: the scanner finds a planted secret in a log file, in a payload and in base64', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-secret-scan-'));
    try {
      const planted = { PLANTED: secrets.REDIS_PASSWORD };
      mkdirSync(path.join(dir, 'logs'));
      writeFileSync(path.join(dir, 'logs', 'clean.log'), 'nothing to see\n');
      writeFileSync(path.join(dir, 'logs', 'leaky.log'), `connecting with password=${secrets.REDIS_PASSWORD}\n`);
      writeFileSync(path.join(dir, 'instance.log.1'), `auth ${Buffer.from(secrets.REDIS_PASSWORD).toString('base64')}\n`);
      const files = logFilesUnder(dir);
      assert.equal(files.length, 3);
      assert.deepEqual(
        scanFiles(files, planted)
          .map((h) => path.basename(h.where))
          .sort(),
        ['instance.log.1', 'leaky.log'],
      );
      const event = {
        eventId: 1,
        workflowExecutionStartedEventAttributes: {
          input: {
            payloads: [
              {
                metadata: { encoding: Buffer.from('json/plain') },
                data: new Uint8Array(Buffer.from(JSON.stringify({ password: secrets.REDIS_PASSWORD }))),
              },
            ],
          },
        },
      };
      assert.equal(findSecrets(eventText(event), planted, 'event').length, 1);
      assert.equal(findSecrets(eventText({ eventId: 2 }), planted, 'event').length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs every workflow type once on the real worker, then finds no secret in any history nor log', async () => {
    let worker: WorkerProcess | undefined;
    try {
      worker = await startWorkerProcess(taskQueue, { ...pgWorkerEnv(), MIN_INSTANCES: '0', MAX_INSTANCES: '3' });
      const run = (type: string, input: unknown, workflowId = `secret-scan/${type}/${process.pid}/${Date.now()}`) =>
        (
          client.workflow.execute(type, {
            taskQueue,
            workflowId,
            args: [input],
            workflowExecutionTimeout: '5 minutes',
          }) as Promise<OperationResult>
        ).catch((error: Error & { cause?: Error }) => {
          throw new Error(`${type} ${JSON.stringify(input)} failed: ${error.cause?.message ?? error.message}`);
        });

      // Scaling: up, rolling update, up again, drain one, down one, an autoscale check.
      await run('scaleUp', { service: SERVICE, count: 1, cooldownSeconds: 0 });
      await run('rollingUpdate', { service: SERVICE, version: 'v-scan', drainTimeoutSeconds: 5 });
      const up = await run('scaleUp', { service: SERVICE, count: 1, cooldownSeconds: 0 });
      await keepContainerLogs();
      await run('drainInstance', { instance: up.added[0], drainTimeoutSeconds: 5 });
      await run('scaleDown', { service: SERVICE, count: 1, cooldownSeconds: 0, drainTimeoutSeconds: 5 });
      // Last of the scaling runs: whatever it decides, nothing else needs the service's mutex after it.
      await run('autoscaleCheck', { service: SERVICE });
      // The health router: a few probe rounds, then cancelled, which hands nginx back to plain membership.
      const router = await client.workflow.start('healthRouter', {
        taskQueue,
        workflowId: `health-router/${SERVICE}`,
        args: [{ service: SERVICE, probeIntervalSeconds: 0.5 }],
      });
      await new Promise((r) => setTimeout(r, 3_000));
      await router.cancel();
      await router.result().catch(() => undefined);

      // PostgreSQL: one monitor pass, a failover request on a healthy cluster (it checks and does nothing), a switchover.
      await run('pgMonitor', { cluster: 'main', maxRunMs: 1000, probeIntervalMs: 500, autoFailover: false });
      await run('pgFailover', { cluster: 'main' });
      const primary = await waitClusterHealthy();
      await run('pgSwitchover', { cluster: 'main', target: PG_NAMES.find((n) => n !== primary) });
      await waitClusterHealthy();
      // And back: later test files find the primary where they found it.
      await run('pgSwitchover', { cluster: 'main', target: primary });
      await waitClusterHealthy();

      // Redis: dry runs, one slot there and back, a failover there and back, a node added and removed.
      await run('redisRebalance', { dryRun: true }, REDIS_MUTEX_ID);
      await run('redisFix', { dryRun: true }, REDIS_MUTEX_ID);
      const view = await clusterView();
      const [a, b] = view.nodes.filter((n) => n.role === 'master');
      const slot = a.slots[0][0];
      await run('redisReshard', { target: b.id, ranges: [String(slot)] }, REDIS_MUTEX_ID);
      await run('redisReshard', { target: a.id, ranges: [String(slot)] }, REDIS_MUTEX_ID);
      const replica = view.nodes.find((n) => n.role === 'replica')!;
      await run('redisFailover', { replicaId: replica.id }, REDIS_MUTEX_ID);
      await run('redisFailover', { replicaId: replica.masterId }, REDIS_MUTEX_ID);
      const added = await run('redisAddNode', { port: ports.redisExtra[2], replicaOf: 'auto' }, REDIS_MUTEX_ID);
      await run('redisRemoveNode', { nodeId: added.nodeId }, REDIS_MUTEX_ID);
    } finally {
      await worker?.kill('SIGTERM');
      // The worker's own output is a log like any other: keep it where the scan reads logs.
      mkdirSync(path.dirname(workerLog), { recursive: true });
      writeFileSync(workerLog, worker?.output() ?? '');
    }

    const histories = await scanHistories(client, secrets);
    const exported = Object.keys(workflows);
    const missing = exported.filter((t) => !histories.types.has(t));
    assert.deepEqual(missing, [], 'every exported workflow type has at least one history in the namespace');
    const files = logFilesUnder(stateDir);
    assert.ok(files.includes(workerLog), 'the worker log is scanned');
    for (const part of ['temporal', 'postgres-', 'redis-', 'nginx', 'instance-']) {
      assert.ok(
        files.some((f) => path.basename(f).startsWith(part)),
        `a ${part} log is scanned (${files.map((f) => path.basename(f)).join(', ')})`,
      );
    }
    const hits = [...histories.hits, ...scanFiles(files, secrets)];
    process.stdout.write(
      `# secret scan: ${histories.workflows} workflows of ${histories.types.size} types, ${files.length} log files, ${hits.length} hits\n`,
    );
    assert.deepEqual(hits, [], `secrets found:\n${hits.map((h) => `${h.secret} in ${h.where}`).join('\n')}`);
  });
});
