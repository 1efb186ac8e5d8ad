import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TASK_QUEUE } from '../../contracts/common/names';
import { progressQuery } from '../../contracts/common/progress';
import { listContainers, upstreamMembers } from '../../testkit/platform';
import { docsRecipe, runDocsLine } from '../../testkit/docs-recipes';
import { ensureAutoscaleSchedule } from '../../workers/bootstrap/schedules';
import { testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';

const names = async () => (await listContainers()).filter((c) => c.running).map((c) => c.name);

describe('the scaling recipes of docs/scaling.md work as written', () => {
  const session = usePlatformSession();

  it('scales, rolls out, drains and checks jarvis-app with the plain temporal CLI commands, in page order', async () => {
    const lines = docsRecipe('scaling.md', 'scale-up');
    assert.deepEqual(lines, [`temporal workflow start --type scaleUp --task-queue ${TASK_QUEUE} --input '{"service":"jarvis-app"}'`]);
    // The recipes need a worker on the real task queue, as the main job runs it; a minimum of 1 keeps it small.
    await withWorker(
      TASK_QUEUE,
      async () => {
        await runDocsLine(lines[0]);
        const handle = session.client.workflow.getHandle('scale/jarvis-app');
        let step = '';
        for (let i = 0; i < 300 && step !== 'cooldown'; i++) {
          step = await handle.query(progressQuery).then(
            (p) => p.step,
            () => '',
          );
          if (step !== 'cooldown') await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(step, 'cooldown', 'the operation reached its 300 s cooldown');
        const query = await runDocsLine('temporal workflow query --workflow-id scale/jarvis-app --type progress');
        assert.match(query.stdout, /cooldown/);
        assert.deepEqual(await names(), ['jarvis-app-1']);

        for (const line of docsRecipe('scaling.md', 'cancel-cooldown')) await runDocsLine(line);
        await assert.rejects(handle.result(), /cancelled/i);

        for (const line of docsRecipe('scaling.md', 'scale-up-two')) await runDocsLine(line);
        assert.deepEqual(await names(), ['jarvis-app-1', 'jarvis-app-2', 'jarvis-app-3']);

        for (const line of docsRecipe('scaling.md', 'rolling-update')) await runDocsLine(line);
        const rolled = await listContainers();
        assert.deepEqual(
          rolled.map((c) => c.version),
          ['v2', 'v2', 'v2'],
          JSON.stringify(rolled),
        );
        assert.ok(
          rolled.some((c) => c.name === 'jarvis-app-2'),
          'the drain recipe names an instance that exists',
        );

        for (const line of docsRecipe('scaling.md', 'drain-and-scale-down')) await runDocsLine(line);
        assert.equal((await names()).length, 1);
        assert.ok(!(await names()).includes('jarvis-app-2'));

        const [check, schedule] = docsRecipe('scaling.md', 'autoscale');
        const checked = await runDocsLine(check);
        assert.match(checked.stdout, /COMPLETED/);
        assert.match(
          checked.stdout,
          /"reason":"(BelowMinimum|NoFreshMetrics|AtMinimum|BetweenThresholds|WithinTolerance|ScaleDownStabilizing)"/,
        );
        // The main job's worker creates the schedule at start; here it is created paused, as AUTOSCALE_ENABLED=false would.
        await ensureAutoscaleSchedule(session.client, testWorkerConfig({ AUTOSCALE_ENABLED: 'false' }), 'jarvis-app');
        const described = await runDocsLine(schedule);
        assert.match(described.stdout, /autoscaleCheck/);
        assert.match(described.stdout, /Paused\s+true/);
      },
      { MIN_INSTANCES: '1' },
    );
    assert.deepEqual((await upstreamMembers()).length, 1);
  });
});
