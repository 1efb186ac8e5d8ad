// Records scaleTo's histories for the replay tests (called by test/record-histories.ts):
// started under another ID and continued into scaleUp, continued into scaleDown under the
// mutex ID, and refused above the maximum.
import type { Client } from '@temporalio/client';
import { resetPlatform, SERVICE } from '../testkit/platform';
import { taskQueueFor } from '../testkit/stack';
import { withWorker } from '../testkit/workers';

type Save = (handle: ReturnType<Client['workflow']['getHandle']>, name: string) => Promise<void>;

export async function recordScaleTo(client: Client, save: Save): Promise<void> {
  const taskQueue = taskQueueFor('record scaleTo');
  const mutex = 'scale/jarvis-app';
  await resetPlatform(client);
  await withWorker(
    taskQueue,
    async () => {
      const plain = await client.workflow.start('scaleTo', {
        taskQueue,
        workflowId: `record-scale-to-${Date.now()}`,
        args: [{ service: SERVICE, to: 2, cooldownSeconds: 0 }],
      });
      await plain.result();
      await save(plain, 'scaleTo-started-without-mutex-id');
      const down = await client.workflow.start('scaleTo', {
        taskQueue,
        workflowId: mutex,
        args: [{ service: SERVICE, to: 1, cooldownSeconds: 0 }],
      });
      await down.result();
      // The first run of the chain: the scaleTo that decided and continued as new into scaleDown.
      await save(client.workflow.getHandle(mutex, down.firstExecutionRunId), 'scaleTo-continued-into-scaleDown');
      const refused = await client.workflow.start('scaleTo', { taskQueue, workflowId: mutex, args: [{ service: SERVICE, to: 9 }] });
      await refused.result().catch(() => undefined);
      await save(refused, 'scaleTo-refused-above-maximum');
    },
    { MIN_INSTANCES: '1', MAX_INSTANCES: '3' },
  );
  await resetPlatform(client);
}
