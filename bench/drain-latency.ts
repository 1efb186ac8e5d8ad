// Benchmark: latency of an open-loop load through the load balancer while drainInstance takes
// an instance out, against the steady state of the same run. Writes
// bench/results/drain-latency-<time>.json and .svg (latency per second across the drains).
//
//   set -a; . <your env file>; set +a      # the stack's services up; vegeta installed
//   npm run build && node dist/bench/drain-latency.js [--drains 3] [--rate 150] [--driver process|docker] [--quick]
//
// One vegeta attack runs through the whole bench at a fixed arrival rate (open loop: a slow
// answer does not hold back the next request, so queueing shows in the latency), with no
// client retry: GET /api/ping and POST /api/session/counter in turn (testkit/bench/scale-mix.ts).
// Three instances serve. Each round: a steady window with nothing changing, then drainInstance
// of the newest instance while a 2 s request is in flight on it, then a scale-up back to three
// (in neither window). A request belongs to the window in which it was sent. Failed = an error
// or any status but 2xx. --quick: a 5 s steady window (still 3 drains: fewer give no p90; 3 is the least it accepts).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startScaleMix } from '../testkit/bench/scale-mix';
import { benchFailed, BenchRefusal, dockerDriverAllowed, preflight, runCount, stackPorts, vegeta } from '../testkit/bench/preflight';
import { VEGETA_VERSION, type VegetaResult } from '../testkit/bench/vegeta';
import { summarize, type AttackSummary } from '../testkit/bench/vegeta-summary';
import { SERVICE } from '../testkit/platform';
import { hosts, ports } from '../testkit/ports';
import { repoRoot, taskQueueFor, temporalClient, testWorkerConfig } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { createClients, createOrchestrator } from '../activities';
import { perSecond, renderDrainSvg } from './drain-latency-chart';
import { arg, cleanPlatform, runRecord, sleep, writeResult } from './scale-common';

const MUTEX = `scale/${SERVICE}`;
const GOAL_P99_RATIO = 1.5;
type Driver = 'docker' | 'process';
interface Window {
  from: number;
  to: number;
}

/** The instances as the chosen driver sees them. */
async function listInstances(driver: Driver) {
  const config = testWorkerConfig();
  const clients = createClients(config);
  try {
    return await createOrchestrator(driver, config, clients).listInstances(SERVICE);
  } finally {
    await clients.close();
  }
}

async function scaleTo3(client: Client, taskQueue: string, driver: Driver): Promise<void> {
  const running = (await listInstances(driver)).filter((c) => c.running).length;
  if (running < 3)
    await client.workflow.execute('scaleUp', {
      taskQueue,
      workflowId: MUTEX,
      args: [{ service: SERVICE, count: 3 - running, cooldownSeconds: 0 }],
    });
}

interface DrainRound {
  steady: Window;
  drain: Window;
  victim: string;
  slowRequestOk: boolean;
  drained: boolean;
  forcedStop: boolean;
}

/** A steady window, then one drain of the newest instance while a slow request runs on it; back to 3 after. */
async function drainRound(client: Client, taskQueue: string, driver: Driver, steadyMs: number, round: number): Promise<DrainRound> {
  const steady = { from: Date.now(), to: 0 };
  await sleep(steadyMs);
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
  await sleep(2000); // the scale-up's change on the load balancer is not part of either window
  return { steady, drain, victim: victim.name, slowRequestOk, drained: result.drains[0].drained, forcedStop: result.drains[0].forcedStop };
}

const inside = (results: readonly VegetaResult[], windows: readonly Window[]) =>
  results.filter((r) => windows.some((w) => r.atMs >= w.from && r.atMs < w.to));

function windowFigures(results: readonly VegetaResult[], windows: readonly Window[]) {
  const seconds = Math.round(windows.reduce((t, w) => t + (w.to - w.from), 0) / 100) / 10;
  const summary = summarize(inside(results, windows));
  // Over disjoint windows the span from first to last request would count the gaps between them.
  return { seconds, ...summary, ratePerSecond: seconds > 0 ? Math.round((summary.requests / seconds) * 10) / 10 : 0 };
}

/** during ÷ steady for each latency quantile. */
function ratios(steady: AttackSummary, during: AttackSummary) {
  const r = (k: keyof AttackSummary['latencyMs']) =>
    steady.latencyMs[k] > 0 ? Math.round((during.latencyMs[k] / steady.latencyMs[k]) * 100) / 100 : undefined;
  return { p50: r('p50'), p90: r('p90'), p99: r('p99'), max: r('max') };
}

interface Settings {
  driver: Driver;
  drains: number;
  rate: number;
  steadyMs: number;
  quick: boolean;
}

function drainResult(results: VegetaResult[], rounds: DrainRound[], settings: Settings, loadBefore: number[]) {
  const steady = windowFigures(
    results,
    rounds.map((r) => r.steady),
  );
  const duringDrain = windowFigures(
    results,
    rounds.map((r) => r.drain),
  );
  const latencyRatioDrainToSteady = ratios(steady, duringDrain);
  return {
    bench: 'drain-latency',
    ...runRecord(loadBefore),
    settings: {
      driver: settings.driver,
      drains: settings.drains,
      quick: settings.quick,
      requestedRatePerSecond: settings.rate,
      load: 'vegeta open loop (fixed arrival rate), no client retry; GET /api/ping and POST /api/session/counter in turn, 8 session cookies, keep-alive',
      vegeta: VEGETA_VERSION,
      loadBalancer: `${process.env.LOAD_BALANCER ?? 'nginx'} at ${hosts.nginx}:${ports.nginx}`,
      instances: 3,
      steadyWindowSeconds: settings.steadyMs / 1000,
      drainTimeoutSeconds: 30,
      slowRequestOnVictimMs: 2000,
    },
    goal: `p99 during a drain <= ${GOAL_P99_RATIO} x steady; 0 failed requests`,
    achieved: summarize(results),
    steady,
    duringDrain,
    latencyRatioDrainToSteady,
    goalMet: latencyRatioDrainToSteady.p99 !== undefined && latencyRatioDrainToSteady.p99 <= GOAL_P99_RATIO && duringDrain.failed === 0,
    slowRequestsOnTheDrainedInstance: { sent: rounds.length, ok: rounds.filter((r) => r.slowRequestOk).length },
    perRound: rounds.map((r) => ({
      victim: r.victim,
      drainMs: r.drain.to - r.drain.from,
      drained: r.drained,
      forcedStop: r.forcedStop,
      steady: windowFigures(results, [r.steady]),
      duringDrain: windowFigures(results, [r.drain]),
    })),
  };
}

function readSettings(): Settings {
  const quick = process.argv.includes('--quick');
  const drains = runCount('drains', arg('drains', '3'));
  const rate = Number(arg('rate', '150'));
  const driver = arg('driver', process.env.ORCHESTRATOR === 'docker' ? 'docker' : 'process');
  const steadyMs = Number(arg('steady-seconds', quick ? '5' : '8')) * 1000;
  if (drains > 20) throw new BenchRefusal(`--drains must be at most 20`);
  if (!(rate > 0 && rate <= 2000)) throw new BenchRefusal(`--rate must be a number of requests per second from 1 to 2000`);
  if (driver !== 'docker' && driver !== 'process') throw new BenchRefusal(`--driver must be docker or process, not ${driver}`);
  dockerDriverAllowed([driver])();
  if (!(steadyMs >= 1000 && steadyMs <= 60_000)) throw new BenchRefusal(`--steady-seconds must be from 1 to 60`);
  return { driver, drains, rate, steadyMs, quick };
}

async function measure(settings: Settings) {
  const { driver, drains, rate, steadyMs } = settings;
  const env = { ORCHESTRATOR: driver, MIN_INSTANCES: '2', MAX_INSTANCES: '4', APP_BASE_PORT: String(testWorkerConfig().appBasePort) };
  const taskQueue = taskQueueFor(`bench drain ${driver}`);
  const { client, connection } = await temporalClient();
  const rounds: DrainRound[] = [];
  let results: VegetaResult[] = [];
  try {
    await cleanPlatform(client);
    await withWorker(
      taskQueue,
      async () => {
        await scaleTo3(client, taskQueue, driver);
        // Bounded: vegeta stops by itself after maxSeconds even if a round hangs.
        const maxSeconds = 30 + drains * (steadyMs / 1000 + 60);
        const load = await startScaleMix({ baseUrl: `http://${hosts.nginx}:${ports.nginx}`, ratePerSecond: rate, maxSeconds });
        try {
          await sleep(3000); // connections warm
          for (let round = 1; round <= drains; round++) rounds.push(await drainRound(client, taskQueue, driver, steadyMs, round));
        } finally {
          results = await load.stop();
        }
      },
      env,
    );
  } finally {
    await cleanPlatform(client);
    await connection.close();
  }
  return { results, rounds };
}

async function main(): Promise<void> {
  await preflight({ bench: 'drain-latency', ports: stackPorts('temporal', 'nginx'), tools: [vegeta], inputs: [readSettings] });
  const settings = readSettings();
  const loadBefore = os.loadavg();
  const { results, rounds } = await measure(settings);
  if (!results.length) throw new Error('vegeta recorded no requests');
  const result = drainResult(results, rounds, settings, loadBefore);
  const file = writeResult('drain-latency', result);
  const start = results[0].atMs;
  const bands = rounds.flatMap((r, i) => [
    { from: (r.drain.from - start) / 1000, to: (r.drain.to - start) / 1000, label: `drain ${i + 1}` },
  ]);
  const svg = await renderDrainSvg(
    perSecond(results, start),
    bands,
    `Open-loop GET+POST at ${settings.rate}/s through the load balancer; drains shaded (${result.commit.slice(0, 8)})`,
  );
  writeFileSync(path.join(repoRoot, file.replace(/\.json$/, '.svg')), svg);
  const { steady, duringDrain: d, latencyRatioDrainToSteady: q } = result;
  process.stdout.write(
    `achieved ${result.achieved.ratePerSecond} req/s; steady p50/p90/p99/max ${Object.values(steady.latencyMs).join(' / ')} ms, ` +
      `${steady.failed}/${steady.requests} failed; during drains ${Object.values(d.latencyMs).join(' / ')} ms, ${d.failed}/${d.requests} failed; ` +
      `ratio p99 ${q.p99} (goal <= ${GOAL_P99_RATIO})\nwrote ${file} and its .svg\n`,
  );
}

main().catch(benchFailed);
