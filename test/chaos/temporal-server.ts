// Crashes the stack's Temporal dev server with SIGKILL (no graceful shutdown, as a power cut
// or an OOM kill would) and starts it again through its own script (infra/local/temporal.sh),
// which keeps its SQLite database (--db-filename): a workflow started before the crash must
// resume after it.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, stateDir } from '../../testkit/stack';

const run = promisify(execFile);

export const temporalDbFile = () => path.join(stateDir, 'temporal', 'temporal.db');
const temporalPidFile = () => path.join(stateDir, 'temporal', 'server.pid');

export interface ServerRestart {
  /** How long the server was unreachable: from the SIGKILL to the namespace answering again. */
  downMs: number;
  dbBytesBefore: number;
  dbBytesAfter: number;
  /** The process that was killed. */
  pid: number;
}

async function startTemporalServer(): Promise<void> {
  await run('bash', [path.join(repoRoot, 'infra', 'local', 'temporal.sh'), 'start'], {
    cwd: repoRoot,
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeout: 120_000,
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILLs the server's whole process group (temporal.sh starts it in its own session) and waits until it is gone. */
export async function killTemporalServer(): Promise<number> {
  const pid = Number(readFileSync(temporalPidFile(), 'utf8').trim());
  process.kill(-pid, 'SIGKILL');
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) throw new Error(`the Temporal server (pid ${pid}) outlived SIGKILL for 10 s`);
  return pid;
}

/**
 * SIGKILL, `pauseMs` down, then a start. `whileDown` runs right after the kill: the machine
 * crash uses it to kill the worker in the same instant.
 */
export async function crashTemporalServer(pauseMs: number, whileDown?: () => Promise<unknown>): Promise<ServerRestart> {
  const dbBytesBefore = statSync(temporalDbFile()).size;
  const began = Date.now();
  const pid = await killTemporalServer();
  await whileDown?.();
  await new Promise((r) => setTimeout(r, pauseMs));
  await startTemporalServer();
  return { downMs: Date.now() - began, dbBytesBefore, dbBytesAfter: statSync(temporalDbFile()).size, pid };
}
