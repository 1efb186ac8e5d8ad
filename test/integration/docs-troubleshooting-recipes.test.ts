// Runs every recipe of docs/troubleshooting.md (blocks marked <!-- recipe: trouble-… -->) as
// a reader would, with bash, `jarvis-scale` and `temporal` on PATH, on the live stack: the
// page is written for the default ports and `.state/`, which are mapped to this stack's.
// One instance runs behind nginx and a worker serves the CLI's workflows (redis-fix --dry-run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { startAdminApi, type AdminApi } from '../../admin-api/main';
import { cliBinDir } from '../../testkit/cli';
import { docsRecipe, docsRecipeNames, temporalCliDir } from '../../testkit/docs-recipes';
import { ports, temporalAddress } from '../../testkit/ports';
import { repoRoot, stackSecrets, stateDir, taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';
import { scaleUpNow } from '../../testkit/scaling';

const HANDLED = ['trouble-not-scaling', 'trouble-replication-lag', 'trouble-uneven-load', 'trouble-split-brain', 'trouble-session-loss'];

/** The page's default ports and state folder, as this stack has them. */
function onThisStack(line: string, adminPort: number): string {
  return line
    .replaceAll('127.0.0.1:9090', `127.0.0.1:${ports.prometheus}`)
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${ports.nginx}`)
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${adminPort}`)
    .replaceAll('.state/', `${stateDir}/`);
}

function runLine(line: string, taskQueue: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', line],
      {
        cwd: repoRoot,
        timeout: 120_000,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporalAddress,
          JARVIS_STATE_DIR: stateDir,
          TASK_QUEUE: taskQueue,
          PATH: `${cliBinDir()}:${temporalCliDir()}:${process.env.PATH}`,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe('the recipes of docs/troubleshooting.md work as written', () => {
  const session = usePlatformSession();

  it('every recipe block is one this test runs', () => {
    assert.deepEqual(docsRecipeNames('troubleshooting.md', 'trouble-'), HANDLED);
  });

  it('runs each case’s diagnosis commands, and redis-fix --dry-run, on the live stack', async () => {
    const taskQueue = taskQueueFor('troubleshooting recipes');
    const env = { MIN_INSTANCES: '0', MAX_INSTANCES: '3' };
    let api: AdminApi | undefined;
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(session.client, taskQueue, 1);
        api = await startAdminApi(testWorkerConfig({ ADMIN_TOKEN: stackSecrets().ADMIN_TOKEN, ...env }), 0);
        const outputs: Record<string, string[]> = {};
        for (const name of HANDLED) {
          outputs[name] = [];
          for (const line of docsRecipe('troubleshooting.md', name)) {
            const started = Date.now();
            const run = await runLine(onThisStack(line, api.port), taskQueue);
            process.stdout.write(`# ${name}: ${line.slice(0, 60)} … ${Date.now() - started} ms\n`);
            assert.equal(run.code, 0, `${name}: ${line}\n${run.stderr}${run.stdout}`);
            outputs[name].push(run.stdout);
          }
        }
        const [status, history, checks] = outputs['trouble-not-scaling'];
        assert.match(status, /jarvis-app: 1 instance\(s\); autoscale/);
        assert.match(history, /scaleUp/);
        assert.equal(typeof checks, 'string');
        const [replication, lag] = outputs['trouble-replication-lag'];
        assert.match(replication, /streaming \| quorum/);
        assert.match(lag, /"status":"success"/);
        const [health, scores, rates] = outputs['trouble-uneven-load'];
        const body = JSON.parse(health) as { services: Array<{ instances: Array<{ name: string; healthScore: number }> }> };
        assert.deepEqual(
          body.services[0].instances.map((i) => [i.name, i.healthScore]),
          [['jarvis-app-1', 100]],
        );
        for (const answer of [scores, rates]) assert.match(answer, /"status":"success"/);
        const [info, dryRun] = outputs['trouble-split-brain'];
        assert.match(info, /All 16384 slots covered/);
        assert.match(dryRun, /redisFix|nothing|dry/i);
        const [, sessionAnswer] = outputs['trouble-session-loss'];
        assert.match(sessionAnswer, /^HTTP\/1\.1 200/m);
        assert.match(sessionAnswer, /set-cookie: jarvis_sid=/i);
      },
      env,
    );
    await api?.close();
  });
});
