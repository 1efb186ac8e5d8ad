// The PostgreSQL tools (pg_rewind, pg_basebackup, pg_ctl) run through runAsPostgres: a
// cancelled activity kills the tool (and whatever it started), and the activity heartbeats
// only when the tool writes output, so a hung tool stops heartbeating. Plain binaries stand
// in for the tools, run as the postgres user the same way.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { PgSettings } from '../../config/worker-config';
import { runAsPostgres, type CommandResult } from '../../activities/postgres/postgres-servers';

const settings = { bin: '/bin' } as PgSettings;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids whose command line holds `marker` (a tool's unique argument). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function cancelAndWait(script: string, marker: string): Promise<{ heartbeats: number; error: unknown; leftMs: number }> {
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  const run = env.run(() => runAsPostgres(settings, 'sh', ['-c', script, 'tool', marker], { timeoutMs: 120_000 }));
  for (let i = 0; i < 50 && processesWith(marker).length === 0; i++) await sleep(100);
  assert.ok(processesWith(marker).length > 0, 'the tool runs');
  await sleep(1_000);
  const silentHeartbeats = heartbeats;
  const cancelledAt = Date.now();
  env.cancel();
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  while (processesWith(marker).length > 0 && Date.now() - cancelledAt < 10_000) await sleep(50);
  return { heartbeats: silentHeartbeats, error, leftMs: processesWith(marker).length > 0 ? -1 : Date.now() - cancelledAt };
}

describe('PostgreSQL tools under an activity', () => {
  it('a silent tool gets no heartbeat, and a cancel kills it', async () => {
    const { heartbeats, error, leftMs } = await cancelAndWait('sleep "$1" & wait', '987001');
    assert.equal(heartbeats, 0, 'no heartbeat without progress');
    assert.ok(error instanceof CancelledFailure, `the activity reports the cancel, got ${String(error)}`);
    assert.ok(leftMs >= 0, 'no process of the tool is left');
  });

  it('a tool that ignores SIGTERM is killed after the grace period', async () => {
    const { error, leftMs } = await cancelAndWait('trap "" TERM; sleep "$1" & wait; sleep "$1"', '987002');
    assert.ok(error instanceof CancelledFailure, String(error));
    assert.ok(leftMs >= 0 && leftMs < 8_000, `every process of the tool is gone (${leftMs} ms)`);
  });

  it('each chunk of output is a heartbeat', async () => {
    const env = new MockActivityEnvironment();
    const details: unknown[] = [];
    env.on('heartbeat', (d: unknown) => details.push(d));
    const result: CommandResult = await env.run(() =>
      runAsPostgres(settings, 'sh', ['-c', 'echo 10%; sleep 0.3; echo 60%; sleep 0.3; echo 100%'], { timeoutMs: 10_000 }),
    );
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '10%\n60%\n100%\n');
    assert.equal(details.length, 3, JSON.stringify(details));
  });
});
