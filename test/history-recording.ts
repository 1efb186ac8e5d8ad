// Writes a workflow's history where the replay tests read it (test/histories/<name>.json).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { repoRoot } from '../testkit/stack';

const historiesDir = path.join(repoRoot, 'test', 'histories');

export async function save(handle: WorkflowHandle, name: string): Promise<void> {
  const file = path.join(historiesDir, `${name}.json`);
  writeFileSync(file, `${historyToJSON(await handle.fetchHistory())}\n`);
  process.stdout.write(`recorded ${path.relative(repoRoot, file)}\n`);
}

/** Waits for a run that may fail (a recorded failure is still a history). */
export async function settle(run: Promise<unknown>): Promise<void> {
  await run.catch(() => undefined);
}

/** Runs a workflow of `type` to its end on `taskQueue` and saves its history as `name`; returns its result. */
export async function runAndSave(
  client: Client,
  taskQueue: string,
  run: { type: string; workflowId: string; input: unknown },
  name: string,
): Promise<unknown> {
  const handle = await client.workflow.start(run.type, { taskQueue, workflowId: run.workflowId, args: [run.input] });
  const result: unknown = await handle.result();
  await save(handle, name);
  return result;
}
