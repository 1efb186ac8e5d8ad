// The health-router recipe of docs/routing.md, run line by line with the plain temporal CLI.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TASK_QUEUE } from '../../contracts/common/names';
import { healthRouterProgressQuery } from '../../contracts/routing';
import { eventually } from '../../testkit/app-instances';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { docsRecipe, runDocsLine } from '../../testkit/docs-recipes';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { ensureHealthRouters } from '../../workers/bootstrap/health-routers';
import { readRoutes, upstreamConfFile } from '../../testkit/upstream';
import { withWorker } from '../../testkit/workers';
import { OperationKey } from '../../contracts/common/search-attributes';
import { usePlatformSession } from '../../testkit/temporal-session';

describe('the docs/routing.md health-router recipe works as written', () => {
  const session = usePlatformSession();

  it('starts the router, queries it, finds it again without the ID, and cancels it', async () => {
    const [start, query, again, cancel] = docsRecipe('routing.md', 'health-router');
    assert.match(
      start,
      /^temporal workflow start --type healthRouter --task-queue jarvis-scaling --workflow-id health-router\/jarvis-app --input '\{"service":"jarvis-app"/,
    );
    // The recipe needs a worker on the real task queue, as the main job runs it.
    await withWorker(
      TASK_QUEUE,
      async () => {
        await session.client.workflow.execute('scaleUp', {
          taskQueue: TASK_QUEUE,
          workflowId: 'scale/jarvis-app',
          args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
        });
        await runDocsLine(start);
        const handle = session.client.workflow.getHandle('health-router/jarvis-app');
        await eventually(
          'the router has judged jarvis-app-1',
          async () => ((await handle.query(healthRouterProgressQuery)).instances.some((i) => i.name === 'jarvis-app-1') ? true : undefined),
          60_000,
          200,
        );
        const answer = (await runDocsLine(query)).stdout;
        const parsed = JSON.parse(answer) as { queryResult?: unknown[] };
        const progress = (Array.isArray(parsed.queryResult) ? parsed.queryResult[0] : parsed) as {
          instances?: Array<{ name: string; breaker: string; score: number }>;
        };
        assert.ok(progress.instances, `the query printed the progress: ${answer}`);
        assert.deepEqual(
          progress.instances.map((i) => [i.name, i.breaker, i.score]),
          [['jarvis-app-1', 'closed', 100]],
        );
        await eventually(
          'nginx runs the router’s weights',
          async () => (typeof readRoutes()['jarvis-app-1'] === 'number' ? true : undefined),
          30_000,
          100,
        );

        const handedOver = await runDocsLine(again);
        assert.match(handedOver.stdout, /"handedOverTo":\s*"health-router\/jarvis-app"/);
        assert.match(handedOver.stdout, /"alreadyRunning":\s*true/);

        await runDocsLine(cancel);
        await assert.rejects(handle.result(), /cancel/i);
        assert.deepEqual(readRoutes(), { 'jarvis-app-1': 'default' }, 'cancelling handed the upstream back to plain membership');
        assert.equal(existsSync(upstreamConfFile().replace(/\.conf$/, '.routing.json')), false);
      },
      { MIN_INSTANCES: '1' },
    );
  });

  it('is started once by the worker’s start-up, and not at all with HEALTH_ROUTER_ENABLED=false', async () => {
    await resetPlatform(session.client);
    // No worker polls this queue: only the start itself is under test.
    const config = testWorkerConfig({ TASK_QUEUE: taskQueueFor('healthRouter bootstrap') });
    assert.deepEqual(await ensureHealthRouters(session.client, testWorkerConfig({ HEALTH_ROUTER_ENABLED: 'false' })), []);
    assert.deepEqual(await ensureHealthRouters(session.client, config), [{ workflowId: 'health-router/jarvis-app', started: true }]);
    assert.deepEqual(await ensureHealthRouters(session.client, config), [{ workflowId: 'health-router/jarvis-app', started: false }]);
    const described = await session.client.workflow.getHandle('health-router/jarvis-app').describe();
    assert.equal(described.status.name, 'RUNNING');
    assert.equal(described.typedSearchAttributes.get(OperationKey), 'healthRouter');
    await resetPlatform(session.client);
    assert.equal(
      (await session.client.workflow.getHandle('health-router/jarvis-app').describe()).status.name,
      'TERMINATED',
      'resetPlatform stops the router',
    );
  });
});
