// jarvis-scale backtest as an operator runs it, on the live stack: a recorded file with a
// plot and a what-if setting, a range of the stack's own Prometheus after real traffic, and
// bad input refused with exit 2, naming the problem, writing nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BacktestResult } from '../../policy/scaling/backtest';
import { backtestCommand, type BacktestOptions } from '../../cli/backtest-command';
import type { CliError } from '../../cli/errors';
import type { Output } from '../../cli/output';
import { cliJson, runCli } from '../../testkit/cli';
import { startSteadyLoad } from '../../testkit/load';
import { ports } from '../../testkit/ports';
import { repoRoot, taskQueueFor } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';
import { scaleUpNow } from '../../testkit/scaling';

const recording = path.join(repoRoot, 'test', 'fixtures', 'backtest-ramp.json');
const prometheus = `http://127.0.0.1:${ports.prometheus}`;
type Answer = BacktestResult & { ok: boolean; plot: string | null; error: { message: string; exitCode: number } };

describe('jarvis-scale backtest', () => {
  const session = usePlatformSession();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backtest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replays a recorded file with a what-if setting and plots it', async () => {
    const plot = path.join(dir, 'ramp.svg');
    // One CLI run (each start costs seconds on a busy machine); the default settings' decisions are in test/unit/backtest.test.ts.
    const run = await runCli(['--json', 'backtest', '--file', recording, '--plot', plot, '--set', 'SCALE_UP_THRESHOLD=0.7']);
    assert.equal(run.code, 0, run.stderr);
    const whatIf = cliJson<Answer>(run.stdout);
    assert.equal(whatIf.config.scaleUpThreshold, 0.7);
    const first = whatIf.steps.find((s) => s.action === 'scaleUp')!;
    assert.deepEqual([new Date(first.atMs).toISOString(), first.reason, first.metric], ['2026-12-02T09:28:30.000Z', 'ScaleUp', 'cpu']);
    assert.equal(whatIf.plot, plot);
    const svg = readFileSync(plot, 'utf8');
    assert.match(svg, /^<svg /);
    assert.ok(svg.includes('scaleUp: ScaleUp (cpu)') && svg.includes('policy (simulated)') && svg.includes('actual'));
  });

  it('reads a range of the stack’s Prometheus after real traffic, and would scale up on the request rate', async () => {
    const taskQueue = taskQueueFor('backtest prometheus');
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(session.client, taskQueue, 1);
        // 15 s of traffic: three scrapes at the stack's 5 s interval.
        const load = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 2, maxSeconds: 15 });
        await new Promise((r) => setTimeout(r, 15_000));
        await load.stop();
      },
      { MIN_INSTANCES: '0', MAX_INSTANCES: '3' },
    );
    const run = await runCli([
      '--json',
      'backtest',
      '--prometheus',
      prometheus,
      '--from',
      '-30s',
      '--to',
      'now',
      '--step',
      '5',
      '--set',
      'MIN_INSTANCES=1',
      '--set',
      'TARGET_REQUEST_RATE=5',
      '--set',
      'COOLDOWN_PERIOD=0',
    ]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const answer = cliJson<Answer>(run.stdout);
    assert.ok(answer.steps.length >= 2, `${answer.steps.length} steps read`);
    assert.ok(answer.steps.every((s) => s.actualInstances === 1));
    const up = answer.steps.find((s) => s.action === 'scaleUp');
    assert.ok(up, `a scale-up among ${answer.steps.map((s) => s.reason).join(', ')}`);
    assert.equal(up.metric, 'requestRate');
    process.stdout.write(
      `# Prometheus range: ${answer.steps.length} steps, first scale-up at ${new Date(up.atMs).toISOString()} (${up.reason} on ${up.metric})\n`,
    );
  });

  it('refuses an end before the start, a range past the retention, and a bad setting, writing no plot', async () => {
    const plot = path.join(dir, 'never.svg');
    // One through the CLI process for the exit code, the rest in-process (each CLI start costs seconds here).
    const run = await runCli([
      '--json',
      'backtest',
      '--prometheus',
      prometheus,
      '--plot',
      plot,
      '--from',
      '2026-12-02T10:00:00Z',
      '--to',
      '2026-12-02T09:00:00Z',
    ]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(cliJson<Answer>(run.stdout).error.message, /the range ends \(2026-12-02T09:00:00.000Z\) before it starts/);
    const cases: Array<[Partial<BacktestOptions>, RegExp]> = [
      [{ from: '-30d' }, /longer than Prometheus keeps data \(retention 2d\)/],
      [{ file: recording, set: ['SCALE_UP_THRESHOLD=high'] }, /scaleUpThreshold must be a number/],
      [{ file: recording, from: '-1h' }, /give either --file <recording.json> or --from <time>/],
      [{ file: path.join(dir, 'missing.json') }, /cannot read .*missing.json as JSON/],
    ];
    const out: Output = {
      json: true,
      line: () => undefined,
      result: () => assert.fail('no result'),
      progress: () => undefined,
      endProgress: () => undefined,
    };
    for (const [options, message] of cases) {
      await assert.rejects(
        backtestCommand({ json: true, wait: true }, out, { to: 'now', set: [], prometheus, plot, ...options }),
        (error: CliError) => {
          assert.equal(error.exitCode, 2, error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    assert.equal(existsSync(plot), false, 'no plot written');
  });
});
