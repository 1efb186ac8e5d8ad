import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureAutoscaleSchedule } from '../../workers/bootstrap/schedules';
import type { AutoscaleCheckResult } from '../../workflows/scaling/autoscale-check';
import { startSteadyLoad } from '../../testkit/load';
import { listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';
import { scaleUpNow, deleteAutoscaleSchedule } from '../../testkit/scaling';

// Short loops so the ramp fits in a test: a 2 s check, a 2 s cooldown, an 8 s scale-down
// window, and a request-rate target low enough for one load generator on 2 cores.
const autoscaleEnv = {
  MIN_INSTANCES: '3',
  MAX_INSTANCES: '5',
  TARGET_REQUEST_RATE: '20',
  CHECK_INTERVAL: '2',
  COOLDOWN_PERIOD: '2',
  STABILIZATION_WINDOW: '8',
  METRIC_MAX_AGE: '10',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Instances that serve: running and in nginx's upstream. A container that is still booting does not count. */
async function waitForServing(predicate: (n: number) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    const running = new Set((await listContainers()).filter((c) => c.running).map((c) => c.name));
    const serving = (await upstreamMembers()).filter((m) => running.has(m.name)).length;
    n = running.size === serving ? serving : -1;
    if (predicate(n)) return n;
    await sleep(250);
  }
  return n;
}

describe('the autoscale schedule', () => {
  const session = usePlatformSession({ cleanUp: deleteAutoscaleSchedule });

  it('is created paused when AUTOSCALE_ENABLED=false, and unpaused when it is true', async () => {
    const taskQueue = taskQueueFor('autoscale schedule pause');
    const paused = await ensureAutoscaleSchedule(
      session.client,
      testWorkerConfig({ TASK_QUEUE: taskQueue, AUTOSCALE_ENABLED: 'false' }),
      SERVICE,
    );
    assert.equal(paused.paused, true);
    const handle = session.client.schedule.getHandle('autoscale/jarvis-app');
    const described = await handle.describe();
    assert.equal(described.state.paused, true);
    assert.equal(described.policies.overlap, 'SKIP');
    const resumed = await ensureAutoscaleSchedule(
      session.client,
      testWorkerConfig({ TASK_QUEUE: taskQueue, AUTOSCALE_ENABLED: 'true' }),
      SERVICE,
    );
    assert.deepEqual([resumed.created, resumed.paused], [false, false]);
    assert.equal((await handle.describe()).state.paused, false);
    await handle.delete();
  });

  it('scales 3 → 4 under load through nginx and back to 3 after it, failing no request', async () => {
    const taskQueue = taskQueueFor('autoscale load ramp');
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(session.client, taskQueue, 3);
        await ensureAutoscaleSchedule(session.client, testWorkerConfig({ TASK_QUEUE: taskQueue, ...autoscaleEnv }), SERVICE);

        const load = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 8, maxSeconds: 90 });
        const peak = await waitForServing((n) => n >= 4, 80_000);
        const traffic = await load.stop();
        assert.ok(peak >= 4, `scaled up to ${peak} instances under load`);
        assert.equal(traffic.failed, 0, `failed requests under load: ${traffic.failures.join('; ')}`);
        process.stdout.write(`# ramp load: ${traffic.ok} requests, 0 failed, ${traffic.retriedStaleConnections} retried after a reload\n`);

        // A light probe (about 10 req/s) watches the scale-down without holding it back.
        const probe = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 1, maxSeconds: 120, pauseMs: 100 });
        const settled = await waitForServing((n) => n === 3, 90_000);
        const probed = await probe.stop();
        assert.equal(settled, 3, 'back to MIN_INSTANCES once the load stopped');
        assert.equal(probed.failed, 0, `failed requests during the scale-down: ${probed.failures.join('; ')}`);
        assert.ok(probed.ok > 10, `the probe ran (${probed.ok} requests)`);
      },
      autoscaleEnv,
    );

    // The checks recorded their decisions with their inputs.
    const reasons: string[] = [];
    for await (const wf of session.client.workflow.list({ query: `WorkflowType = "autoscaleCheck" AND ExecutionStatus = "Completed"` })) {
      const result = (await session.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as AutoscaleCheckResult;
      if (result.started) reasons.push(`${result.started.workflowType}:${result.decision.reason}`);
      if (reasons.length > 20) break;
    }
    assert.ok(reasons.includes('scaleUp:ScaleUp'), `an autoscale check started a scaleUp: ${reasons.join(', ')}`);
    assert.ok(reasons.includes('scaleDown:ScaleDown'), `an autoscale check started a scaleDown: ${reasons.join(', ')}`);
  });
});
