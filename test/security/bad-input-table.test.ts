// The bad-input table (bad-input-cases.ts) against the real stack. Every case must:
// 1. name the problem in its message;
// 2. fail non-retryably: a workflow fails with a non-retryable ApplicationFailure after at
//    most one attempt of any activity (read from its history and its children's); the
//    CLIs exit non-zero without a stack trace; the admin API answers 4xx; a bad
//    configuration stops start-up naming the variable;
// 3. change nothing: instances, nginx's upstream file, PostgreSQL roles and replication,
//    Redis nodes and slot owners are the same before and after.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { ConfigError } from '../../config/worker-config';
import { startAdminApi, type AdminApi } from '../../admin-api/main';
import { runCli } from '../../testkit/cli';
import { assertFailsWith } from '../../testkit/failures';
import { waitClusterHealthy, pgWorkerEnv } from '../../testkit/pg-cluster';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { temporalAddress } from '../../testkit/ports';
import { assertBaseCluster } from '../../testkit/redis';
import { repoRoot, stackSecrets, stateDir, taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { adminCases, cliCases, configCases, malformedJsonInputs, TABLE_LIMITS, workflowCases } from './bad-input-cases';
import { attemptReport } from './history-checks';
import { takeSnapshot, type PlatformSnapshot } from './platform-snapshot';

const run = promisify(execFile);
const STACK_TRACE = /\n\s+at .*(\.js|\.ts):\d+/;
const limitsEnv = { MIN_INSTANCES: String(TABLE_LIMITS.min), MAX_INSTANCES: String(TABLE_LIMITS.max) };

function assertUnchanged(before: PlatformSnapshot, after: PlatformSnapshot, what: string): void {
  for (const key of Object.keys(before) as Array<keyof PlatformSnapshot>) assert.equal(after[key], before[key], `${what} changed ${key}`);
}

async function temporalCliPath(): Promise<string> {
  const { stdout } = await run('bash', [path.join(repoRoot, 'infra', 'local', 'install-deps.sh'), 'temporal-path']);
  return stdout.trim();
}

describe('the bad-input table: clear message, no retry, no change', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = taskQueueFor('bad input table');
  const workerEnv = { ...pgWorkerEnv(), ...limitsEnv };

  before(async () => {
    ({ client, connection } = await temporalClient());
    await waitClusterHealthy();
    await assertBaseCluster();
    await resetPlatform(client);
    // One instance behind nginx, so that the instance list and the upstream file have something to keep.
    await withWorker(
      taskQueue,
      () =>
        client.workflow.execute('scaleUp', {
          taskQueue,
          workflowId: `scale/${SERVICE}`,
          args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
        }),
      workerEnv,
    );
  });
  after(async () => {
    await resetPlatform(client);
    await waitClusterHealthy();
    await assertBaseCluster();
    await connection.close();
  });

  it(`holds at least 30 cases across workflows, CLIs, the admin API and the configuration (${workflowCases.length + malformedJsonInputs.length + cliCases.length + adminCases.length + configCases.length})`, () => {
    assert.ok(workflowCases.length + malformedJsonInputs.length + cliCases.length + adminCases.length + configCases.length >= 30);
    const types = new Set(workflowCases.map((c) => c.type));
    for (const t of [
      'scaleUp',
      'scaleDown',
      'drainInstance',
      'rollingUpdate',
      'autoscaleCheck',
      'pgFailover',
      'pgSwitchover',
      'redisReshard',
      'redisAddNode',
      'redisRemoveNode',
      'redisRebalance',
      'redisFailover',
      'redisFix',
    ]) {
      assert.ok(types.has(t), `no case for ${t}`);
    }
  });

  it('fails every bad workflow input non-retryably, after at most one activity attempt, changing nothing', async () => {
    await withWorker(
      taskQueue,
      async () => {
        for (const [i, c] of workflowCases.entries()) {
          const what = `${c.type} with ${c.name}`;
          const before = await takeSnapshot();
          const handle = await client.workflow.start(c.type, { taskQueue, workflowId: `bad-input/${process.pid}/${i}`, args: [c.input] });
          await assertFailsWith(handle.result(), c.failureType, c.message).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
          const report = await attemptReport(client, handle);
          assert.ok(
            report.highestAttempt <= 1,
            `${what}: an activity ran ${report.highestAttempt} times (${report.activities.join(', ')})`,
          );
          assert.equal(report.failure?.nonRetryable, true, `${what}: the recorded failure is not marked non-retryable`);
          assert.equal(report.failure?.type, c.failureType, what);
          assertUnchanged(before, await takeSnapshot(), what);
        }
      },
      workerEnv,
    );
  });

  /** `temporal workflow start` of a scaleUp on the test task queue, with `input` as the raw --input text. */
  const startScaleUpWithTemporalCli = (temporal: string, workflowId: string, input: string) =>
    run(temporal, [
      'workflow',
      'start',
      '--address',
      temporalAddress,
      '--type',
      'scaleUp',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      input,
    ]);

  it('refuses malformed JSON in `temporal workflow start --input`, starting nothing', async () => {
    const temporal = await temporalCliPath();
    for (const [i, text] of malformedJsonInputs.entries()) {
      const before = await takeSnapshot();
      const workflowId = `bad-input/${process.pid}/json-${i}`;
      const result = await startScaleUpWithTemporalCli(temporal, workflowId, text).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      assert.notEqual(result.code, 0, `temporal accepted ${text}`);
      assert.match(result.stderr, /invalid|json|unmarshal|character/i, `${text}: ${result.stderr}`);
      const exists = await client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      assert.equal(exists, false, `${text}: a workflow was started`);
      assertUnchanged(before, await takeSnapshot(), `temporal workflow start --input ${text}`);
    }
  });

  it('fails well-formed but bad JSON from `temporal workflow start` in the workflow, non-retryably', async () => {
    const temporal = await temporalCliPath();
    const workflowId = `bad-input/${process.pid}/json-count`;
    const before = await takeSnapshot();
    await startScaleUpWithTemporalCli(temporal, workflowId, '{"service":"jarvis-app","count":-1}');
    const handle = client.workflow.getHandle(workflowId);
    await withWorker(taskQueue, () => assertFailsWith(handle.result(), 'InvalidInput', /count must be at least 1/), workerEnv);
    const report = await attemptReport(client, handle);
    assert.equal(report.highestAttempt, 0, 'no activity ran');
    assert.equal(report.failure?.nonRetryable, true);
    assertUnchanged(before, await takeSnapshot(), 'temporal workflow start with count -1');
  });

  for (const c of cliCases) {
    it(`jarvis-scale ${c.args.join(' ')}: exits non-zero with a clear message, no stack trace, nothing started`, async () => {
      const before = await takeSnapshot();
      const runId = await client.workflow
        .getHandle(c.workflowId)
        .describe()
        .then(
          (d) => d.runId,
          () => null,
        );
      const result = await runCli(c.args, limitsEnv);
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stderr, c.message);
      assert.doesNotMatch(result.stderr, STACK_TRACE, 'no stack trace');
      assert.equal(
        await client.workflow
          .getHandle(c.workflowId)
          .describe()
          .then(
            (d) => d.runId,
            () => null,
          ),
        runId,
        'nothing was started',
      );
      assertUnchanged(before, await takeSnapshot(), `jarvis-scale ${c.args.join(' ')}`);
    });
  }

  describe('the admin API', () => {
    let api: AdminApi;
    const token = stackSecrets().ADMIN_TOKEN;
    before(async () => (api = await startAdminApi(testWorkerConfig({ ADMIN_TOKEN: token, ...limitsEnv }), 0)));
    after(async () => api?.close());

    /** A raw request: the path goes on the request line exactly as written. */
    const request = (method: string, rawPath: string, authorization?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: api.port, method, path: rawPath, headers: authorization ? { authorization } : {} },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    for (const c of adminCases) {
      it(`answers ${c.status} to ${c.name} (${c.method} ${c.rawPath}), naming the problem, changing nothing`, async () => {
        const before = await takeSnapshot();
        const auth = c.authorization?.replace('TOKEN', token).replace('WRONG', 'x'.repeat(token.length));
        const res = await request(c.method, c.rawPath, auth);
        assert.equal(res.status, c.status, res.body);
        assert.match(res.body, c.message);
        assert.ok(!res.body.includes(token), 'the answer does not hold the token');
        assertUnchanged(before, await takeSnapshot(), c.name);
      });
    }

    it('refuses to start without an ADMIN_TOKEN of at least 16 characters', async () => {
      await assert.rejects(
        startAdminApi(testWorkerConfig({ ADMIN_TOKEN: 'short' }), 0),
        (e: Error) => e instanceof ConfigError && /ADMIN_TOKEN must be set \(at least 16 characters\)/.test(e.message),
      );
    });
  });

  // Each case starts a worker process that must refuse to start; they run side by side.
  describe("the worker's configuration", { concurrency: 3 }, () => {
    const emptyState = mkdtempSync(path.join(os.tmpdir(), 'jarvis-no-secrets-'));
    after(() => rmSync(emptyState, { recursive: true, force: true }));

    for (const c of configCases) {
      it(`refuses to start with ${JSON.stringify(c.env)}, naming ${c.variable}`, async () => {
        const before = await takeSnapshot();
        const env = {
          ...process.env,
          TEMPORAL_ADDRESS: temporalAddress,
          JARVIS_STATE_DIR: c.emptyStateDir ? emptyState : stateDir,
          TASK_QUEUE: taskQueueFor(`bad config ${c.variable}`),
          CREATE_SCHEDULES: 'false',
          PG_MONITOR_ENABLED: 'false',
          WORKER_METRICS_PORT: '0',
          ...c.env,
        };
        const result = await run(process.execPath, [path.join(repoRoot, 'dist', 'workers', 'main.js')], { env, timeout: 30_000 }).then(
          (r) => ({ code: 0, stderr: r.stderr, stdout: r.stdout }),
          (e: { code: number | null; signal?: string; stderr: string; stdout: string }) => ({
            code: e.code ?? -1,
            stderr: e.stderr,
            stdout: e.stdout,
          }),
        );
        assert.equal(result.code, 2, `exit code ${result.code}: ${result.stderr}${result.stdout}`);
        assert.match(result.stderr, new RegExp(c.variable));
        assert.match(result.stderr, c.message);
        assert.doesNotMatch(result.stderr, STACK_TRACE, 'no stack trace');
        assert.doesNotMatch(result.stdout, /worker ready/);
        assertUnchanged(before, await takeSnapshot(), JSON.stringify(c.env));
      });
    }
  });
});
