// scaleTo (`jarvis-scale scale --to N`) against the dev server, the process driver and nginx:
// it counts and decides under scale/<service>, then continues as new into scaleUp or
// scaleDown under the same ID; a target outside the bounds is refused with nothing changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { assertFailsWith } from '../../testkit/failures';
import { listContainers, SERVICE, upstreamMembers } from '../../testkit/platform';
import { taskQueueFor } from '../../testkit/stack';
import { withWorker, withWorkerEnv } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';

const MUTEX = 'scale/jarvis-app';
const bounds = { MIN_INSTANCES: '1', MAX_INSTANCES: '3' };

/** The workflow types of the runs under the mutex ID started since `sinceMs`, oldest first. */
async function runsUnderMutex(client: Client, sinceMs: number): Promise<string[]> {
  const runs: Array<{ type: string; at: number }> = [];
  const query = `WorkflowId = '${MUTEX}' AND StartTime >= '${new Date(sinceMs).toISOString()}'`;
  for await (const w of client.workflow.list({ query })) runs.push({ type: w.type, at: w.startTime.getTime() });
  return runs.sort((a, b) => a.at - b.at).map((r) => r.type);
}

async function platformNow(): Promise<{ containers: string[]; upstream: string[] }> {
  return {
    containers: (await listContainers()).map((c) => c.name),
    upstream: (await upstreamMembers()).map((m) => m.name),
  };
}

describe('scaleTo: scale --to N decided inside the mutex', () => {
  const session = usePlatformSession({ resetBeforeEach: true });

  it('scales up by the difference through scaleUp, then down through scaleDown, under one mutex ID', async () => {
    const taskQueue = taskQueueFor('scaleTo up and down');
    const since = Date.now();
    await withWorkerEnv(taskQueue, bounds, async () => {
      const up = await session.client.workflow.execute('scaleTo', {
        taskQueue,
        workflowId: `scale-to-plain-${Date.now()}`, // like a plain start: it hands over to the mutex ID
        args: [{ service: SERVICE, to: 2, cooldownSeconds: 0 }],
      });
      assert.deepEqual(up.added, ['jarvis-app-1', 'jarvis-app-2'], 'the scaleUp it continued into added the difference');
      assert.deepEqual(await platformNow(), { containers: ['jarvis-app-1', 'jarvis-app-2'], upstream: ['jarvis-app-1', 'jarvis-app-2'] });

      const down = await session.client.workflow.execute('scaleTo', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, to: 1, cooldownSeconds: 0, drainTimeoutSeconds: 2 }],
      });
      assert.deepEqual(down.removed, ['jarvis-app-2']);
      assert.deepEqual(await platformNow(), { containers: ['jarvis-app-1'], upstream: ['jarvis-app-1'] });

      const same = await session.client.workflow.execute('scaleTo', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, to: 1 }],
      });
      assert.deepEqual([same.decision, same.from, same.to], ['AtTarget', 1, 1]);
    });
    assert.deepEqual(
      (await runsUnderMutex(session.client, since)).filter((t) => t !== 'scaleTo'),
      ['scaleUp', 'scaleDown'],
      'each scaleTo that acted continued as new into the operation that did the work',
    );
  });

  it('refuses a target outside [MIN_INSTANCES, MAX_INSTANCES] and changes nothing', async () => {
    const taskQueue = taskQueueFor('scaleTo refuses');
    const since = Date.now();
    await withWorkerEnv(taskQueue, bounds, async () => {
      await session.client.workflow.execute('scaleTo', {
        taskQueue,
        workflowId: MUTEX,
        args: [{ service: SERVICE, to: 1, cooldownSeconds: 0 }],
      });
      const before = await platformNow();
      const above = session.client.workflow.execute('scaleTo', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, to: 4 }] });
      await assertFailsWith(
        above,
        'LimitExceeded',
        /jarvis-app cannot be scaled to 4: the target is outside \[MIN_INSTANCES=1, MAX_INSTANCES=3\]/,
      );
      const below = session.client.workflow.execute('scaleTo', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, to: 0 }] });
      await assertFailsWith(below, 'LimitExceeded', /cannot be scaled to 0/);
      assert.deepEqual(await platformNow(), before, 'a refused scaleTo starts and stops nothing');
    });
    const runs = await runsUnderMutex(session.client, since);
    assert.equal(runs.filter((t) => t === 'scaleUp' || t === 'scaleDown').length, 1, 'only the first scaleTo went on to an operation');
  });

  it('refuses bad input at once, naming the field', async () => {
    const taskQueue = taskQueueFor('scaleTo bad input');
    await withWorker(taskQueue, async () => {
      const bad = session.client.workflow.execute('scaleTo', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, to: 1.5 }] });
      await assertFailsWith(bad, 'InvalidInput', /invalid scaleTo input: to must be a whole number of instances/);
    });
    assert.deepEqual(await platformNow(), { containers: [], upstream: [] });
  });
});
