import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../../policy/names';
import { progressQuery } from '../../workflows/definitions';
import { listContainers, resetPlatform, upstreamMembers } from '../helpers/platform';
import { readmeRecipe, runReadmeLine } from '../helpers/readme';
import { temporalClient } from '../helpers/stack';
import { withWorker } from '../helpers/workers';

describe('the README recipes work as written', () => {
  let client: Client;
  let connection: Connection;
  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
  });
  after(async () => {
    await resetPlatform(client);
    await connection.close();
  });

  it('scales jarvis-app up by one with the plain temporal CLI command', async () => {
    const lines = readmeRecipe('scale-up');
    assert.deepEqual(lines, [`temporal workflow start --type scaleUp --task-queue ${TASK_QUEUE} --input '{"service":"jarvis-app"}'`]);
    // The recipe needs the worker on the real task queue, as the main job runs it.
    await withWorker(TASK_QUEUE, async () => {
      await runReadmeLine(lines[0]);
      const handle = client.workflow.getHandle('scale/jarvis-app');
      let step = '';
      for (let i = 0; i < 300 && step !== 'cooldown'; i++) {
        step = await handle.query(progressQuery).then((p) => p.step, () => '');
        if (step !== 'cooldown') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(step, 'cooldown', 'the operation reached its 300 s cooldown');
      const query = await runReadmeLine('temporal workflow query --workflow-id scale/jarvis-app --type progress');
      assert.match(query.stdout, /cooldown/);
      await handle.cancel();
    });
    assert.deepEqual((await listContainers()).map((c) => c.name), ['jarvis-app-1']);
    assert.deepEqual((await upstreamMembers()).map((m) => m.name), ['jarvis-app-1']);
  });
});
