// The short chaos pass CI runs: a fixed seed, one scaling, one PostgreSQL and one Redis
// operation, each with the worker SIGKILLed mid-operation, the Temporal dev server
// SIGKILLed (and started again on its persistent database) during the switchover, a machine
// crash (server and worker killed together) during the reshard, and a failover killed
// during its rejoin (a violation the long pass found). Any invariant violation
// fails the test with what was seen. The long pass is bench/chaos.sh.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { resetPlatform } from '../../testkit/platform';
import { stateDir, temporalClient } from '../../testkit/stack';
import { runChaos } from './harness';
import { planTrials } from './plan';

const SEED = 20261128;

describe('chaos: operations survive worker kills, a Temporal server crash and a machine crash', () => {
  after(async () => {
    // The other test files start from an empty platform.
    const { client, connection } = await temporalClient();
    await resetPlatform(client);
    await connection.close();
  });

  it('keeps every invariant through a scale-up, a PostgreSQL switchover, a Redis reshard and a failover under chaos', async () => {
    const trials = planTrials({
      seed: SEED,
      count: 3,
      operations: ['scaleUp', 'pgSwitchover', 'redisReshard'],
      killProbability: 1,
      serverRestartProbability: 0,
      machineCrashProbability: 0,
    });
    // The switchover is short: the restart comes early so the workflow is still running.
    trials[1].serverRestartAtMs = 300;
    trials[2].machineCrashAtMs = 1_500;
    // The case the long pass (seed 9090, trial 41) found: a worker killed during the old
    // primary's rejoin left a standby that only looked streaming for a few milliseconds.
    trials.push({ index: 3, operation: 'pgFailover', killAtMs: [2_850], respawnDelayMs: [2_758], pick: 0 });
    const report = await runChaos({
      seed: SEED,
      trials,
      redisKeys: 10_000,
      reportPath: path.join(stateDir, 'chaos-ci-report.json'),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const t = report.totals;
    assert.equal(report.stoppedEarly, undefined, report.stoppedEarly);
    assert.equal(t.trials, 4);
    const violations = report.trials.flatMap((trial) => trial.violations.map((v) => `trial ${trial.index} ${trial.operation}: ${v}`));
    assert.deepEqual(violations, [], 'no invariant violation');
    assert.equal(t.violations, 0);
    for (const trial of report.trials) {
      assert.ok(trial.invariants.length >= 10, `trial ${trial.index} checked every invariant (${trial.invariants.length})`);
      assert.equal(trial.outcome.status, 'COMPLETED', `trial ${trial.index} ${trial.operation}: ${JSON.stringify(trial.outcome.failure)}`);
    }
    assert.ok(
      t.killsWhileRunning >= 1,
      `at least one worker kill landed mid-operation (${t.kills} kills, ${t.killsWhileRunning} mid-operation)`,
    );
    assert.ok(
      t.serverRestartsWhileRunning >= 1,
      `the server crash landed mid-operation and the workflow resumed after it (${JSON.stringify(report.trials[1].serverRestarts)})`,
    );
    const crashes = report.trials.flatMap((trial) => trial.serverRestarts);
    assert.deepEqual(
      crashes.map((r) => [r.kind, r.workflowStatus, r.workerKilled ?? null]),
      [
        ['server-crash', 'RUNNING', null],
        ['machine-crash', 'RUNNING', true],
      ],
      'each crash is recorded with its kind, and the machine crash killed the worker too',
    );
  });
});
