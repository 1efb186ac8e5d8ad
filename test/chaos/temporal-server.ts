// Restarts the stack's Temporal dev server through its own script (infra/local/temporal.sh),
// which keeps its SQLite database (--db-filename) across the restart: a workflow started
// before the restart must resume after it.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, stateDir } from '../../testkit/stack';

const run = promisify(execFile);

export const temporalDbFile = () => path.join(stateDir, 'temporal', 'temporal.db');

export interface ServerRestart {
  /** How long the server was unreachable: from the stop command to the namespace answering again. */
  downMs: number;
  dbBytesBefore: number;
  dbBytesAfter: number;
}

async function temporalScript(action: 'start' | 'stop'): Promise<void> {
  await run('bash', [path.join(repoRoot, 'infra', 'local', 'temporal.sh'), action], {
    cwd: repoRoot,
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeout: 120_000,
  });
}

export async function restartTemporalServer(pauseMs: number): Promise<ServerRestart> {
  const dbBytesBefore = statSync(temporalDbFile()).size;
  const began = Date.now();
  await temporalScript('stop');
  await new Promise((r) => setTimeout(r, pauseMs));
  await temporalScript('start');
  return { downMs: Date.now() - began, dbBytesBefore, dbBytesAfter: statSync(temporalDbFile()).size };
}
