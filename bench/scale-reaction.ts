// Benchmark: reaction time of the autoscaler, from a load step through nginx to the new
// instance answering through nginx, for the `process` and the `docker` driver in the same
// run. Writes bench/results/scale-reaction-<time>.json.
//
//   set -a; . <your env file>; set +a      # the stack's services up (bash infra/local/stack.sh services)
//   npm run build && node dist/bench/scale-reaction.js [--runs 5] [--drivers process,docker] [--check-interval 15]
//
// Each run: one instance behind nginx, idle; the Schedule autoscale/jarvis-app created
// with CHECK_INTERVAL (15 s by default, the HPA's default sync period); after a random
// part of one interval, autocannon sends 100 req/s through nginx (TARGET_REQUEST_RATE 20,
// so one instance is at 5× its target). The bench polls the new instance's /api/health
// and nginx every 20 ms, and reads the rest from the Temporal histories.
//
// Splits, in ms:
//   detection   load step → start of the autoscaleCheck run that decides to scale up:
//               waiting for the next check, plus up to one app heartbeat (3 s) before
//               the instance's request rate reflects the load
//   appBoot     the driver has started the instance (ensureInstanceStarted completed) →
//               its /api/health first answers 200 (includes the app's 500 ms STARTUP_DELAY_MS)
//   overhead    everything else: the check's activities and decision, starting scaleUp,
//               starting the container or process, the health-wait poll, the nginx reload,
//               until nginx sends a request to the new instance
//   total       load step → first answer from the new instance through nginx
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { autoscaleScheduleId } from '../contracts/scaling';
import { benchFailed, dockerDriverAllowed, preflight, runCount, stackPorts } from '../testkit/bench/preflight';
import { runLoad } from '../testkit/load';
import { SERVICE } from '../testkit/platform';
import { ports } from '../testkit/ports';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../testkit/stack';
import { runWorkerScript, withWorker } from '../testkit/workers';
import { arg, cleanPlatform, distribution, eventMs, runRecord, sleep, writeResult } from './scale-common';

const MUTEX = `scale/${SERVICE}`;
const NEW_INSTANCE = `${SERVICE}-2`;

interface RunFigures {
  driver: string;
  run: number;
  detectionMs: number;
  overheadMs: number;
  appBootMs: number;
  totalMs: number;
  /** Parts of the overhead. */
  checkToScaleUpMs: number;
  scaleUpToInstanceStartedMs: number;
  healthyToServingMs: number;
}

/** Polls the new instance's health and nginx every 20 ms; resolves when nginx has sent a request to it. */
async function watchNewInstance(port: number, timeoutMs: number): Promise<{ healthyAt: number; servingAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let healthyAt = NaN;
  let servingAt = NaN;
  const health = (async () => {
    while (Number.isNaN(healthyAt) && Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) healthyAt = Date.now();
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
  })();
  while (Number.isNaN(servingAt) && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${ports.nginx}/api/ping`, {
        signal: AbortSignal.timeout(2000),
        headers: { connection: 'close' },
      });
      await res.arrayBuffer();
      if (res.headers.get('x-instance-id') === NEW_INSTANCE) servingAt = Date.now();
    } catch {
      // a reload under way
    }
    await sleep(20);
  }
  await health;
  if (Number.isNaN(servingAt)) throw new Error(`${NEW_INSTANCE} did not serve through nginx within ${timeoutMs} ms`);
  return { healthyAt, servingAt };
}

async function oneRun(
  client: Client,
  taskQueue: string,
  env: Record<string, string>,
  driver: string,
  run: number,
  checkIntervalSeconds: number,
): Promise<RunFigures> {
  await cleanPlatform(client);
  await client.workflow.execute('scaleUp', { taskQueue, workflowId: MUTEX, args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }] });
  // Let the idle instance publish an idle sample (heartbeat 3 s) before the checks start.
  await sleep(4000);
  await runWorkerScript('bootstrap/schedules.js', [], { TASK_QUEUE: taskQueue, SERVICES: SERVICE, ...env });
  // The step lands at a random phase of the check loop, as a real one would.
  await sleep(Math.random() * checkIntervalSeconds * 1000);

  const stepAt = Date.now();
  const load = runLoad({ url: `http://127.0.0.1:${ports.nginx}/api/ping`, connections: 4, durationSeconds: 180, overallRate: 100 });
  let seen: { healthyAt: number; servingAt: number };
  try {
    seen = await watchNewInstance(Number(env.APP_BASE_PORT) + 2, 120_000);
  } finally {
    load.stop();
    await client.schedule
      .getHandle(autoscaleScheduleId(SERVICE))
      .delete()
      .catch(() => undefined);
  }

  const scaleUp = client.workflow.getHandle(MUTEX);
  await scaleUp.result();
  const described = await scaleUp.describe();
  const parent = described.raw.workflowExecutionInfo?.parentExecution;
  if (!parent?.workflowId) throw new Error('the scaleUp run was not started by an autoscaleCheck');
  const check = await client.workflow.getHandle(parent.workflowId, parent.runId ?? undefined).describe();
  const events = (await scaleUp.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ensureInstanceStarted');
  const completed = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
  const checkAt = check.startTime.getTime();
  const scaleUpAt = described.startTime.getTime();
  const instanceStartedAt = eventMs(completed?.eventTime);
  const appBootMs = seen.healthyAt - instanceStartedAt;
  const figures: RunFigures = {
    driver,
    run,
    detectionMs: checkAt - stepAt,
    appBootMs,
    overheadMs: seen.servingAt - checkAt - appBootMs,
    totalMs: seen.servingAt - stepAt,
    checkToScaleUpMs: scaleUpAt - checkAt,
    scaleUpToInstanceStartedMs: instanceStartedAt - scaleUpAt,
    healthyToServingMs: seen.servingAt - seen.healthyAt,
  };
  process.stdout.write(`${driver} run ${run}: ${JSON.stringify(figures)}\n`);
  return figures;
}

const FIGURE_KEYS = [
  'detectionMs',
  'overheadMs',
  'appBootMs',
  'totalMs',
  'checkToScaleUpMs',
  'scaleUpToInstanceStartedMs',
  'healthyToServingMs',
] as const;

/** `runs` runs per driver, each with its own in-process worker and task queue. */
async function runAll(drivers: string[], runs: number, env: Record<string, string>, checkIntervalSeconds: number): Promise<RunFigures[]> {
  const { client, connection } = await temporalClient();
  const all: RunFigures[] = [];
  try {
    for (const driver of drivers) {
      const taskQueue = taskQueueFor(`bench reaction ${driver}`);
      const driverEnv = { ...env, ORCHESTRATOR: driver };
      await withWorker(
        taskQueue,
        async () => {
          for (let run = 1; run <= runs; run++) all.push(await oneRun(client, taskQueue, driverEnv, driver, run, checkIntervalSeconds));
        },
        driverEnv,
      );
    }
  } finally {
    await cleanPlatform(client);
    await connection.close();
  }
  return all;
}

function reactionResult(
  all: RunFigures[],
  settings: {
    runs: number;
    drivers: string[];
    checkIntervalSeconds: number;
    appStartupDelayMs: number;
    loadBefore: number[];
    env: Record<string, string>;
  },
) {
  const { runs, drivers, checkIntervalSeconds } = settings;
  const byDriver = Object.fromEntries(
    drivers.map((driver) => {
      const mine = all.filter((r) => r.driver === driver);
      return [driver, Object.fromEntries(FIGURE_KEYS.map((k) => [k, distribution(mine.map((r) => r[k]))]))];
    }),
  );
  return {
    benchmark: 'scale-reaction',
    ...runRecord(settings.loadBefore),
    settings: {
      runs,
      drivers,
      checkIntervalSeconds,
      loadRequestsPerSecond: 100,
      targetRequestRate: 20,
      appStartupDelayMs: settings.appStartupDelayMs,
      appHeartbeatMs: 3000,
      load: 'autocannon at a fixed 100 req/s through nginx: the load step that triggers the scale-up (no latency is measured from it)',
      worker: settings.env,
    },
    goal: 'overhead < 1000 ms',
    byDriver,
    anchor: {
      what: 'Kubernetes HPA defaults, documented (not measured here: no cluster on this machine)',
      syncPeriodSeconds: 15,
      detectionMs: {
        min: 0,
        mean: 7500,
        max: 15000,
        note: 'waiting for the next HPA loop alone (--horizontal-pod-autoscaler-sync-period=15s); metrics-server adds its own 15 s --metric-resolution on top',
      },
      readinessLagMs: {
        max: 10000,
        note: 'a readinessProbe with the default periodSeconds=10 marks the pod Ready up to 10 s after the app is ready; then the endpoints and kube-proxy update',
      },
      oursCompared:
        'detection with CHECK_INTERVAL=15 is the same loop; our readiness lag is healthyToServingMs (250 ms health poll + nginx reload)',
    },
    runs: all,
  };
}

async function main(): Promise<void> {
  const drivers = arg('drivers', 'process,docker').split(',');
  await preflight({
    bench: 'scale-reaction',
    ports: stackPorts('temporal', 'nginx'),
    inputs: [() => runCount('runs', arg('runs', '5')), dockerDriverAllowed(drivers)],
  });
  const runs = runCount('runs', arg('runs', '5'));
  const loadBefore = os.loadavg();
  const checkIntervalSeconds = Number(arg('check-interval', '15'));
  const base = testWorkerConfig();
  const env = {
    MIN_INSTANCES: '1',
    MAX_INSTANCES: '2',
    TARGET_REQUEST_RATE: '20',
    CHECK_INTERVAL: String(checkIntervalSeconds),
    COOLDOWN_PERIOD: '0',
    METRIC_MAX_AGE: '10',
    APP_BASE_PORT: String(base.appBasePort),
  };
  const all = await runAll(drivers, runs, env, checkIntervalSeconds);
  const result = reactionResult(all, { runs, drivers, checkIntervalSeconds, appStartupDelayMs: base.appStartupDelayMs, loadBefore, env });
  const file = writeResult('scale-reaction', result);
  process.stdout.write(`results: ${file}\n`);
  for (const driver of drivers) {
    const d = result.byDriver[driver];
    process.stdout.write(
      `${driver}: overhead p50 ${d.overheadMs.p50} p90 ${d.overheadMs.p90} max ${d.overheadMs.max} ms; app boot p50 ${d.appBootMs.p50} ms; detection p50 ${d.detectionMs.p50} ms; total p50 ${d.totalMs.p50} ms\n`,
    );
  }
}

main().catch(benchFailed);
