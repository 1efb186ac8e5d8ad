// Memory pressure, for real: one instance is pushed past 64 % of its own memory limit
// (INSTANCE_MEMORY_LIMIT_MB, which the process driver passes to it) by the reference app's
// memory ballast, and an autoscale check scales up on memory, with the reason code and the
// inputs (the sample's memory %, the utilisation and the bar it reached) in its result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureAutoscaleSchedule } from '../../workers/bootstrap/schedules';
import type { AutoscaleCheckResult } from '../../workflows/scaling/autoscale-check';
import { adminHeaders, eventually } from '../../testkit/app-instances';
import { listContainers, SERVICE } from '../../testkit/platform';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';
import { scaleUpNow, deleteAutoscaleSchedule } from '../../testkit/scaling';

const LIMIT_MB = 256;
// One instance, a 2 s check, no scale-down inside the test (a 10 min window), a short cooldown.
const env = {
  MIN_INSTANCES: '1',
  MAX_INSTANCES: '2',
  INSTANCE_MEMORY_LIMIT_MB: String(LIMIT_MB),
  CHECK_INTERVAL: '2',
  COOLDOWN_PERIOD: '2',
  STABILIZATION_WINDOW: '600',
  METRIC_MAX_AGE: '10',
};

async function setBallast(port: number, megabytes: number): Promise<{ megabytes: number; rssMegabytes: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/admin/memory-ballast`, {
    method: 'POST',
    headers: { ...adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ megabytes }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { megabytes: number; rssMegabytes: number };
}

describe('memory as a share of the instance limit', () => {
  const session = usePlatformSession({ cleanUp: deleteAutoscaleSchedule });

  it('scales up when one instance passes 64 % of its INSTANCE_MEMORY_LIMIT_MB, on memory, with its inputs recorded', async () => {
    const taskQueue = taskQueueFor('autoscale memory pressure');
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(session.client, taskQueue, 1);
        const [instance] = await listContainers();
        const idle = await setBallast(instance.port, 0);
        assert.ok(idle.rssMegabytes < 0.5 * LIMIT_MB, `the idle instance holds ${idle.rssMegabytes} MB of ${LIMIT_MB}`);
        // Past 64 % with a margin: 72 % of the limit in resident memory.
        const pushed = await setBallast(instance.port, Math.ceil(0.72 * LIMIT_MB - idle.rssMegabytes));
        process.stdout.write(
          `# ${instance.name}: RSS ${idle.rssMegabytes} MB idle, ${pushed.rssMegabytes} MB with the ballast (limit ${LIMIT_MB} MB)\n`,
        );
        assert.ok(pushed.rssMegabytes > 0.64 * LIMIT_MB, `RSS ${pushed.rssMegabytes} MB is past 64 % of ${LIMIT_MB} MB`);

        // Only this test's checks: an earlier run's results stay in visibility.
        const since = new Date().toISOString();
        await ensureAutoscaleSchedule(session.client, testWorkerConfig({ TASK_QUEUE: taskQueue, ...env }), SERVICE);
        const check = await eventually(
          'an autoscale check that started a scaleUp',
          async () => {
            for await (const wf of session.client.workflow.list({
              query: `WorkflowType = "autoscaleCheck" AND ExecutionStatus = "Completed" AND StartTime > "${since}"`,
            })) {
              const result = (await session.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as AutoscaleCheckResult;
              if (result.started?.workflowType === 'scaleUp') return result;
            }
            return undefined;
          },
          60_000,
          1_000,
        );
        await setBallast(instance.port, 0);
        const { decision, samples } = check;
        assert.equal(decision.reason, 'ScaleUp');
        assert.equal(decision.metric, 'memory');
        assert.deepEqual([decision.current, decision.desired], [1, 2]);
        assert.equal(decision.bars.scaleUp, 0.8);
        assert.ok(decision.utilization.memory >= 0.8, `memory at ${decision.utilization.memory} of its 80 % target`);
        assert.equal(samples.length, 1);
        assert.ok(samples[0].memoryPercent > 64, `the sample's memory % is ${samples[0].memoryPercent}`);
        process.stdout.write(
          `# decision: ${decision.reason} on ${decision.metric}, memory ${samples[0].memoryPercent.toFixed(1)} % of the limit\n`,
        );
        await eventually(
          'the second instance',
          async () => ((await listContainers()).filter((c) => c.running).length === 2 ? true : undefined),
          60_000,
          500,
        );
      },
      env,
    );
  });
});
