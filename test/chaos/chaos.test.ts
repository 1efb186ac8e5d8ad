// The short chaos pass CI runs: a fixed seed and eight trials that, between them, strike every
// kind of fault at least once, with pgMonitor, healthRouter and the autoscale Schedule running
// beside them: worker SIGKILLs, a Temporal server crash, a machine crash, SIGKILL of the
// PostgreSQL primary, of a replica and of a server while a rejoin's pg_rewind runs, SIGKILL of
// a Redis master mid-reshard (after a machine crash) and mid-rebalance and of a Redis replica
// mid-add, SIGKILL of an app instance in its health wait and in its drain, and a load-balancer
// restart, with open-loop GET and POST traffic through the load balancer during each
// (test/chaos/traffic.ts). Any invariant
// violation fails the test with what was seen. The long pass is bench/chaos.sh.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { resetPlatform } from '../../testkit/platform';
import { stateDir, temporalClient } from '../../testkit/stack';
import type { FaultPlan } from './faults';
import { runChaos } from './harness';
import type { OperationName, TrialPlan } from './plan';

const SEED = 20261128;

const at = (kind: FaultPlan['kind'], target: FaultPlan['target'], atMs: number, pick = 0): FaultPlan => ({
  kind,
  target,
  atMs,
  waitsForTarget: false,
  fromMs: 0,
  pick,
});
const waitingFor = (kind: FaultPlan['kind'], target: FaultPlan['target'], fromMs: number, untilMs: number): FaultPlan => ({
  kind,
  target,
  atMs: untilMs,
  waitsForTarget: true,
  fromMs,
  pick: 0.5,
});

function trial(index: number, operation: OperationName, faults: FaultPlan[], extra: Partial<TrialPlan> = {}): TrialPlan {
  return { index, operation, killAtMs: [], respawnDelayMs: [], pick: 0.3, faults, ...extra };
}

/** Every fault kind and target the CI pass must strike, as "kind target". */
const MUST_STRIKE = [
  'pg-kill primary',
  'pg-kill replica',
  'pg-kill rewind-other',
  'redis-kill master',
  'redis-kill replica-node',
  'app-kill new-instance',
  'app-kill drained-instance',
  'lb-restart nginx',
];

describe('chaos: operations survive worker, server, machine, database, cache, instance and load-balancer crashes', () => {
  after(async () => {
    // The other test files start from an empty platform.
    const { client, connection } = await temporalClient();
    await resetPlatform(client);
    await connection.close();
  });

  it('keeps every invariant through eight trials that strike every fault', async () => {
    const trials = [
      // Up to 120 s for the new instance: on a loaded machine the worker's respawn and the
      // instance's start took longer than 60 s, and the fault never struck.
      trial(0, 'scaleUp', [waitingFor('app-kill', 'new-instance', 300, 120_000)], { killAtMs: [1_200], respawnDelayMs: [800] }),
      // The switchover is short: the server crash comes early so the workflow is still running.
      trial(1, 'pgSwitchover', [at('pg-kill', 'replica', 600, 0.9)], { serverRestartAtMs: 300 }),
      // A master killed mid-reshard after a machine crash: this trial once left slots importing
      // from the dead master (seed 20261128, trial 2, docs/chaos.md); the migration now carries
      // on with the replica that took over (policy/redis/redis-slot-heirs.ts).
      trial(2, 'redisReshard', [waitingFor('redis-kill', 'master', 1_000, 60_000)], { machineCrashAtMs: 1_500 }),
      // The case the long pass (seed 9090, trial 41) found, a worker killed during the old
      // primary's rejoin, now with the third server killed while pg_rewind runs.
      trial(3, 'pgFailover', [waitingFor('pg-kill', 'rewind-other', 0, 40_000)], { killAtMs: [2_850], respawnDelayMs: [2_758], pick: 0 }),
      trial(4, 'scaleDown', [waitingFor('app-kill', 'drained-instance', 0, 40_000), at('lb-restart', 'nginx', 800)]),
      trial(5, 'redisAddNode', [waitingFor('redis-kill', 'replica-node', 0, 40_000)]),
      trial(6, 'drainInstance', [at('pg-kill', 'primary', 500)], { killAtMs: [1_500], respawnDelayMs: [500] }),
      trial(7, 'redisRebalance', [waitingFor('redis-kill', 'master', 1_000, 60_000)]),
    ];
    const report = await runChaos({
      seed: SEED,
      trials,
      redisKeys: 5_000,
      reportPath: path.join(stateDir, 'chaos-ci-report.json'),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const t = report.totals;
    assert.equal(report.stoppedEarly, undefined, report.stoppedEarly);
    assert.equal(t.trials, trials.length);
    const violations = report.trials.flatMap((tr) => tr.violations.map((v) => `trial ${tr.index} ${tr.operation}: ${v}`));
    assert.deepEqual(violations, [], 'no invariant violation');
    for (const tr of report.trials) {
      assert.ok(tr.invariants.length >= 12, `trial ${tr.index} checked every invariant (${tr.invariants.length})`);
      const sent = tr.traffic?.sent ?? { GET: 0, POST: 0 };
      assert.ok(sent.GET > 0 && sent.POST > 0, `trial ${tr.index} ran traffic through the load balancer: ${JSON.stringify(sent)}`);
      assert.ok(['COMPLETED', 'FAILED'].includes(tr.outcome.status), `trial ${tr.index} ${tr.operation}: ${tr.outcome.status}`);
    }
    const struck = Object.entries(t.faults)
      .filter(([, row]) => row.struck > 0)
      .map(([key]) => key);
    assert.deepEqual(
      MUST_STRIKE.filter((key) => !struck.includes(key)),
      [],
      `every fault struck at least once: ${JSON.stringify(t.faults)}`,
    );
    assert.ok(t.killsWhileRunning >= 1, `a worker kill landed mid-operation (${t.kills} kills)`);
    const crashes = report.trials.flatMap((tr) => tr.serverRestarts);
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
