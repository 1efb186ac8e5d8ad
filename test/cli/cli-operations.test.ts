// jarvis-scale against the real stack: the scaling subcommands' happy paths with an
// in-process worker, --json shapes, exit codes, Ctrl-C detach, autoscale pause/resume,
// history and stats from visibility.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { ensureAutoscaleSchedule } from '../../workers/bootstrap/schedules';
import type { HistoryRow } from '../../cli/history-commands';
import type { ScalingStats } from '../../policy/scaling/scaling-stats';
import type { PlatformStatus } from '../../read-models/platform-status';
import { cliJson as json, runCli, spawnCli } from '../../testkit/cli';
import { listContainers, resetPlatform, SERVICE } from '../../testkit/platform';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

// The CLI and the worker read the same limits; 0..3 keeps the instances few on 2 cores.
const limits = { MIN_INSTANCES: '0', MAX_INSTANCES: '3' };
describe('jarvis-scale scaling subcommands against the real stack', () => {
  let client: Client;
  let connection: Connection;
  before(async () => ({ client, connection } = await temporalClient()));
  beforeEach(async () => resetPlatform(client));
  after(async () => {
    await resetPlatform(client);
    await connection.close();
  });

  it('scales up, rolls out, drains, scales down, then reads history and stats, all with --json', async () => {
    const taskQueue = taskQueueFor('cli happy path');
    const cli = (args: string[]) => runCli(['--json', '--task-queue', taskQueue, ...args], limits);
    await withWorker(
      taskQueue,
      async () => {
        const up = await cli(['scale', SERVICE, '--to', '2', '--cooldown', '0']);
        assert.equal(up.code, 0, up.stderr + up.stdout);
        const upResult = json(up.stdout);
        assert.equal(upResult.ok, true);
        assert.equal(upResult.workflowType, 'scaleTo', 'scale --to N decides inside the mutex, then continues as scaleUp');
        assert.equal(upResult.workflowId, 'scale/jarvis-app');
        assert.equal(upResult.state, 'completed');
        assert.deepEqual(upResult.input, { service: SERVICE, to: 2, cooldownSeconds: 0 });
        assert.deepEqual(upResult.result.added, ['jarvis-app-1', 'jarvis-app-2']);

        const same = await cli(['scale', SERVICE, '--to', '2']);
        assert.equal(same.code, 0);
        assert.equal(json(same.stdout).result.decision, 'AtTarget');

        const rollout = await cli(['rollout', SERVICE, '--version', 'v2', '--drain-timeout', '2']);
        assert.equal(rollout.code, 0, rollout.stderr + rollout.stdout);
        assert.equal(json(rollout.stdout).workflowType, 'rollingUpdate');
        assert.deepEqual([...new Set((await listContainers()).map((c) => c.version))], ['v2']);

        const names = (await listContainers()).map((c) => c.name);
        const drain = await cli(['drain', names[names.length - 1], '--drain-timeout', '2']);
        assert.equal(drain.code, 0, drain.stderr + drain.stdout);
        assert.equal(json(drain.stdout).workflowType, 'drainInstance');
        assert.equal((await listContainers()).length, 1);

        const down = await cli(['scale', SERVICE, '--to', '0', '--cooldown', '0', '--drain-timeout', '2']);
        assert.equal(down.code, 0, down.stderr + down.stdout);
        assert.equal(json(down.stdout).workflowType, 'scaleTo');
        assert.deepEqual(await listContainers(), []);
      },
      limits,
    );

    const history = await runCli(['--json', 'history', '--service', SERVICE, '--limit', '4']);
    assert.equal(history.code, 0, history.stderr);
    const ops = json<{ operations: HistoryRow[] }>(history.stdout).operations;
    assert.deepEqual(
      ops.map((o) => o.type),
      ['scaleDown', 'drainInstance', 'rollingUpdate', 'scaleUp'],
    );
    for (const op of ops) {
      assert.equal(op.outcome, 'success');
      assert.ok((op.durationSeconds ?? 0) > 0, `${op.type} has a duration`);
      assert.equal(op.triggeredBy, 'operator');
    }

    const stats = await runCli(['--json', 'stats', '--service', SERVICE]);
    assert.equal(stats.code, 0, stats.stderr);
    const s = json<ScalingStats>(stats.stdout);
    assert.ok(s.totalScaleUps >= 1 && s.totalScaleDowns >= 1, JSON.stringify(s));
    assert.equal(s.lastScaleEvent?.type, 'scaleDown');
    assert.equal(typeof s.averageScaleDuration, 'number');
    assert.ok(s.uptimePercent >= 0 && s.uptimePercent <= 100);
  });

  it('exits 4 and starts nothing while another operation holds the mutex; cancel ends it', async () => {
    const taskQueue = taskQueueFor('cli mutex busy');
    await withWorker(
      taskQueue,
      async () => {
        const first = await runCli(['--json', '--task-queue', taskQueue, 'scale', SERVICE, '--to', '1', '--cooldown', '300'], limits);
        assert.equal(first.code, 0, first.stderr + first.stdout);
        assert.equal(json(first.stdout).state, 'cooldown', 'the CLI returns once the work is done and the cooldown holds the mutex');
        const holder = await client.workflow.getHandle('scale/jarvis-app').describe();

        const second = await runCli(['--task-queue', taskQueue, 'scale', SERVICE, '--to', '2'], limits);
        assert.equal(second.code, 4, second.stderr);
        assert.match(second.stderr, /another operation holds scale\/jarvis-app/);
        assert.match(second.stderr, /jarvis-scale cancel scale\/jarvis-app/);
        assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
        const still = await client.workflow.getHandle('scale/jarvis-app').describe();
        assert.equal(still.runId, holder.runId, 'no second run was started');

        const cancel = await runCli(['cancel', 'scale/jarvis-app']);
        assert.equal(cancel.code, 0, cancel.stderr);
        const result = await client.workflow
          .getHandle('scale/jarvis-app')
          .result()
          .then(
            () => 'completed',
            (e: Error) => e.name,
          );
        assert.equal(result, 'WorkflowFailedError', 'the cooldown was cancelled');
        assert.equal((await client.workflow.getHandle('scale/jarvis-app').describe()).status.name, 'CANCELLED');
      },
      limits,
    );
  });

  it('Ctrl-C detaches without cancelling and says how to cancel', async () => {
    const taskQueue = taskQueueFor('cli ctrl-c');
    // A slow boot holds the health wait open long enough to press Ctrl-C in it.
    await withWorker(
      taskQueue,
      async () => {
        const run = spawnCli(['--task-queue', taskQueue, 'scale', SERVICE, '--to', '1', '--cooldown', '0'], limits);
        const deadline = Date.now() + 60_000;
        while (!/\[health-wait\]/.test(run.stderr()) && Date.now() < deadline && run.child.exitCode === null)
          await new Promise((r) => setTimeout(r, 100));
        assert.match(run.stderr(), /\[health-wait\] waiting for jarvis-app-1/, 'the live progress line shows the health wait');
        run.child.kill('SIGINT');
        const [code] = (await once(run.child, 'exit')) as [number];
        assert.equal(code, 0);
        assert.match(run.stderr(), /detached; the operation keeps running as workflow scale\/jarvis-app/);
        assert.match(run.stderr(), /temporal workflow cancel --workflow-id scale\/jarvis-app/);
        const d = await client.workflow.getHandle('scale/jarvis-app').describe();
        assert.equal(d.status.name, 'RUNNING', 'the workflow still runs after the CLI detached');
        await client.workflow.getHandle('scale/jarvis-app').result();
        assert.deepEqual(
          (await listContainers()).map((c) => c.name),
          ['jarvis-app-1'],
          'and it finished its work',
        );
      },
      { ...limits, APP_STARTUP_DELAY_MS: '4000' },
    );
  });

  it('pauses and resumes the autoscale schedule', async () => {
    const unserved = taskQueueFor('cli autoscale unserved');
    await ensureAutoscaleSchedule(
      client,
      testWorkerConfig({ TASK_QUEUE: unserved, AUTOSCALE_ENABLED: 'true', CHECK_INTERVAL: '3600' }),
      SERVICE,
    );
    const handle = client.schedule.getHandle(`autoscale/${SERVICE}`);
    const pause = await runCli(['--json', 'autoscale', 'pause']);
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal(json(pause.stdout).paused, true);
    assert.equal((await handle.describe()).state.paused, true);
    const resume = await runCli(['autoscale', 'resume']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal((await handle.describe()).state.paused, false);
    await handle.delete();
    const missing = await runCli(['autoscale', 'pause']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist[\s\S]*fix: start the worker/);
  });

  it('status --json lists the instances with their health, the running operation and the Redis Cluster', async () => {
    const taskQueue = taskQueueFor('cli status');
    await withWorker(
      taskQueue,
      async () => {
        const up = await runCli(['--task-queue', taskQueue, 'scale', SERVICE, '--to', '1', '--cooldown', '300'], limits);
        assert.equal(up.code, 0, up.stderr);
        const status = await runCli(['--json', 'status']);
        assert.equal(status.code, 0, status.stderr);
        const s = json<PlatformStatus>(status.stdout);
        const svc = s.services.find((v) => v.service === SERVICE);
        assert.deepEqual(
          svc?.instances.map((i) => [i.name, i.health?.healthy]),
          [['jarvis-app-1', true]],
        );
        const op = s.operations.find((o) => o.workflowId === 'scale/jarvis-app');
        assert.equal(op?.type, 'scaleUp');
        assert.equal(op?.progress?.step, 'cooldown');
        assert.equal((s.redisCluster as Record<string, string>).cluster_state, 'ok');
        assert.equal(s.redisNodes.length, 6);
        const human = await runCli(['status']);
        assert.match(human.stdout, /jarvis-app-1 .* health ok/);
        assert.match(human.stdout, /scale\/jarvis-app scaleUp since .*\[cooldown\]/);
        await client.workflow.getHandle('scale/jarvis-app').cancel();
      },
      limits,
    );
  });
});
