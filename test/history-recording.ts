// Writes a workflow's history where the replay tests read it (test/histories/<name>.json).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
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
