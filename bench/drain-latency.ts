// Benchmark: requests through nginx while drainInstance takes an instance out, against
// the steady state of the same run. Writes bench/results/drain-latency-<time>.json.
//
//   set -a; . <your env file>; set +a      # the stack's services up
//   npm run build && node dist/bench/drain-latency.js [--drains 5] [--driver docker|process] [--rate 150]
//
// One load runs through the whole benchmark: 8 browser-like clients sending GET
// /api/ping through nginx at about `rate` requests per second in total (a reused
// keep-alive connection that a reload closed before any answer is retried, up to 3 times, as
// browsers do; that retry is counted). Three instances serve. Each round: a steady window
// of 8 s with nothing changing, then drainInstance of the newest instance while a 2 s
// request is in flight on it, then a scaleUp back to three (not measured). A request
// belongs to the window in which it started. Failed = any error or a non-200.
import type { Client } from '@temporalio/client';
import { SERVICE } from '../testkit/platform';
import { ports } from '../testkit/ports';
import { taskQueueFor, temporalClient, testWorkerConfig } from '../testkit/stack';
import { createClients, createOrchestrator } from '../activities';
import { withWorker } from '../testkit/workers';
import { arg, cleanPlatform, distribution, sleep, writeResult } from './scale-common';

const MUTEX = `scale/${SERVICE}`;

/** The instances as the chosen driver sees them. */
async function listInstances(driver: 'docker' | 'process') {
  const config = testWorkerConfig();
  const clients = createClients(config);
  try {
    return await createOrchestrator(driver, config, clients).listInstances(SERVICE);
  } finally {
    await clients.close();
  }
}

interface Sample {
  startedAt: number;
  ms: number;
  ok: boolean;
  retried: boolean;
  failure?: string;
}

function closedBeforeAnswer(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET' || /other side closed/.test(cause?.message ?? '');
}

/** Paced load that records every request's start time and latency. */
function startRecordedLoad(url: string, clients: number, rate: number) {
  const samples: Sample[] = [];
  let stopped = false;
  const gapMs = (clients * 1000) / rate;
  const one = async (): Promise<void> => {
    const startedAt = Date.now();
    let retried = false;
    let ok = false;
    let failure: string | undefined;
    // One reload can close several idle pooled connections, so a retry may meet another (as in testkit/load.ts).
    const attempt = async (triesLeft: number): Promise<Response> => {
      try {
        return await fetch(url, { signal: AbortSignal.timeout(10_000) });
      } catch (error) {
        if (!closedBeforeAnswer(error) || triesLeft === 0) throw error;
        retried = true;
        return attempt(triesLeft - 1);
      }
    };
    try {
      const res = await attempt(3);
      await res.arrayBuffer();
      ok = res.status === 200;
      if (!ok) failure = `HTTP ${res.status} from ${res.headers.get('x-instance-id') ?? 'nginx'}`;
    } catch (error) {
      failure = String((error as Error).cause ?? error);
    }
    samples.push({ startedAt, ms: Date.now() - startedAt, ok, retried, failure });
  };
  const loops = Array.from({ length: clients }, async (_, i) => {
    await sleep((i * gapMs) / clients);
    while (!stopped) {
      const began = Date.now();
      await one();
      await sleep(Math.max(0, gapMs - (Date.now() - began)));
    }
  });
  return {
    samples,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function windowFigures(samples: Sample[], windows: Array<{ from: number; to: number }>) {
  const inside = samples.filter((s) => windows.some((w) => s.startedAt >= w.from && s.startedAt < w.to));
  const ok = inside.filter((s) => s.ok);
  return {
    requests: inside.length,
    failed: inside.length - ok.length,
    retriedAfterReload: inside.filter((s) => s.retried).length,
    failures: inside
      .filter((s) => s.failure)
      .slice(0, 10)
      .map((s) => s.failure),
    latencyMs: ok.length
      ? distribution(
          ok.map((s) => s.ms),
          true,
        )
      : undefined,
    seconds: Math.round(windows.reduce((t, w) => t + (w.to - w.from), 0) / 100) / 10,
  };
}

interface DrainRound {
  steady: { from: number; to: number };
  drain: { from: number; to: number };
  victim: string;
  slowRequestOk: boolean;
  drained: boolean;
  forcedStop: boolean;
}

/** A steady window, then one drain of the newest instance while a slow request runs on it; back to 3 after. */
async function drainRound(client: Client, taskQueue: string, driver: 'docker' | 'process', round: number): Promise<DrainRound> {
  const steady = { from: Date.now(), to: 0 };
  await sleep(8000);
  steady.to = Date.now();
  const victim = (await listInstances(driver)).filter((c) => c.running).at(-1)!;
  const slow = fetch(`http://127.0.0.1:${victim.port}/api/slow?ms=2000`).then(
    (r) => r.status === 200,
    () => false,
  );
  const drain = { from: Date.now(), to: 0 };
  const result = await client.workflow.execute('drainInstance', {
    taskQueue,
    workflowId: MUTEX,
    args: [{ instance: victim.name, drainTimeoutSeconds: 30 }],
  });
  drain.to = Date.now();
  const slowRequestOk = await slow;
  process.stdout.write(`round ${round}: drained ${victim.name} in ${drain.to - drain.from} ms, slow request ok: ${slowRequestOk}\n`);
  await scaleTo3(client, taskQueue, driver);
  await sleep(2000); // the scale-up's reload is not part of either window
  return { steady, drain, victim: victim.name, slowRequestOk, drained: result.drains[0].drained, forcedStop: result.drains[0].forcedStop };
}

function drainResult(samples: Sample[], rounds: DrainRound[], settings: { driver: string; drains: number; rate: number }) {
  const steady = windowFigures(
    samples,
    rounds.map((r) => r.steady),
  );
  const during = windowFigures(
    samples,
    rounds.map((r) => r.drain),
  );
  return {
    benchmark: 'drain-latency',
    at: new Date().toISOString(),
    machine: "shared 2-core VM (load from other engineers' stacks)",
    settings: {
      driver: settings.driver,
      drains: settings.drains,
      clients: 8,
      requestsPerSecond: settings.rate,
      instances: 3,
      url: '/api/ping through nginx',
      steadyWindowSeconds: 8,
    },
    goal: '0 failed requests during a drain; p99 close to the steady state',
    steady,
    duringDrain: during,
    p99RatioDrainToSteady:
      steady.latencyMs && during.latencyMs ? Math.round((during.latencyMs.p99! / steady.latencyMs.p99!) * 100) / 100 : undefined,
    slowRequestsOnTheDrainedInstance: { sent: rounds.length, ok: rounds.filter((r) => r.slowRequestOk).length },
    perRound: rounds.map((r) => ({
      victim: r.victim,
      drainMs: r.drain.to - r.drain.from,
      drained: r.drained,
      forcedStop: r.forcedStop,
      steady: windowFigures(samples, [r.steady]),
      duringDrain: windowFigures(samples, [r.drain]),
    })),
  };
}

async function main(): Promise<void> {
  const drains = Number(arg('drains', '5'));
  const rate = Number(arg('rate', '150'));
  const driver = arg('driver', 'docker') as 'docker' | 'process';
  const env = { ORCHESTRATOR: driver, MIN_INSTANCES: '2', MAX_INSTANCES: '4', APP_BASE_PORT: String(testWorkerConfig().appBasePort) };
  const taskQueue = taskQueueFor(`bench drain ${driver}`);
  const { client, connection } = await temporalClient();
  const rounds: DrainRound[] = [];
  let load: ReturnType<typeof startRecordedLoad> | undefined;
  try {
    await cleanPlatform(client);
    await withWorker(
      taskQueue,
      async () => {
        await scaleTo3(client, taskQueue, driver);
        load = startRecordedLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, 8, rate);
        await sleep(3000); // connections warm
        for (let round = 1; round <= drains; round++) rounds.push(await drainRound(client, taskQueue, driver, round));
      },
      env,
    );
  } finally {
    await load?.stop();
    await cleanPlatform(client);
    await connection.close();
  }
  const result = drainResult(load!.samples, rounds, { driver, drains, rate });
  const file = writeResult('drain-latency', result);
  process.stdout.write(`results: ${file}\n`);
  const { steady, duringDrain: during } = result;
  process.stdout.write(
    `steady: ${steady.requests} requests, ${steady.failed} failed, p99 ${steady.latencyMs?.p99} ms; during drains: ${during.requests} requests, ${during.failed} failed, p99 ${during.latencyMs?.p99} ms\n`,
  );
}

async function scaleTo3(client: Client, taskQueue: string, driver: 'docker' | 'process'): Promise<void> {
  const running = (await listInstances(driver)).filter((c) => c.running).length;
  if (running < 3)
    await client.workflow.execute('scaleUp', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: SERVICE, count: 3 - running, cooldownSeconds: 0 }],
    });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
