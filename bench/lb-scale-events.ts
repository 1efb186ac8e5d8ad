// Benchmark: an open-loop GET+POST mix (vegeta, no client retry) through the load balancer
// during each scale event, on nginx (reloads) and on HAProxy (runtime API), interleaved.
// Writes bench/results/lb-scale-events-<time>.json and .svg.
//
//   set -a; . <your env file>; set +a      # the stack's services up; haproxy and vegeta installed
//   npm run build && node dist/bench/lb-scale-events.js [--rounds 3] [--rate 200]
//
// Each round, for each load balancer (the order alternates by round): a clean platform with
// two instances, then, each in its own window of load (warm-up 1.5 s, the event, 1 s after):
// scaleUp (2→3), drainInstance (3→2), a health-router ejection and its end (applyUpstreamRouting
// and releaseUpstreamRouting, the router's own activities), rollingUpdate (2 replaced), and
// scaleDown (2→1). Failed = an error or any status but 2xx.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createNginxActivities, loadBalancerSettings } from '../activities/routing/nginx';
import { switchLoadBalancer, type LoadBalancerKind } from '../testkit/bench/lb-switch';
import { startScaleMix } from '../testkit/bench/scale-mix';
import { benchFailed, BenchRefusal, preflight, runCount, stackPorts, vegeta } from '../testkit/bench/preflight';
import { VEGETA_VERSION } from '../testkit/bench/vegeta';
import { summarize, timeline, type AttackSummary } from '../testkit/bench/vegeta-summary';
import { SERVICE } from '../testkit/platform';
import { hosts, ports } from '../testkit/ports';
import { scaleUpNow } from '../testkit/scaling';
import { repoRoot, taskQueueFor, temporalClient, testWorkerConfig } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { renderScaleEventsSvg, type ChartRun } from './lb-scale-events-chart';
import { arg, cleanPlatform, runRecord, sleep, toolVersion, writeResult } from './scale-common';

const MUTEX = `scale/${SERVICE}`;
const WARM_MS = 1_500;
const TAIL_MS = 1_000;
const EVENTS = ['scaleUp', 'drainInstance', 'healthEjection', 'rollingUpdate', 'scaleDown'] as const;
type EventName = (typeof EVENTS)[number];

const run = (client: Client, taskQueue: string, type: string, input: Record<string, unknown>) =>
  client.workflow.execute(type, { taskQueue, workflowId: MUTEX, args: [input] });

/** Ejects the first member, as the health router does, then hands the upstream back. */
async function ejectAndRestore(): Promise<void> {
  const lb = createNginxActivities(loadBalancerSettings(testWorkerConfig()));
  const state = await lb.readUpstreamState(SERVICE);
  const entries = Object.fromEntries(state.members.map((m, i) => [m.name, { since: m.since ?? 0, weight: 10, down: i === 0 }]));
  await lb.applyUpstreamRouting({ service: SERVICE, entries, newMemberWeight: 10, minReloadIntervalMs: 0 });
  await sleep(1_500);
  await lb.releaseUpstreamRouting(SERVICE);
}

async function runEvent(client: Client, taskQueue: string, event: EventName, round: number): Promise<void> {
  if (event === 'scaleUp') await scaleUpNow(client, taskQueue, 1);
  if (event === 'drainInstance') await run(client, taskQueue, 'drainInstance', { instance: 'jarvis-app-1' });
  if (event === 'healthEjection') await ejectAndRestore();
  if (event === 'rollingUpdate') await run(client, taskQueue, 'rollingUpdate', { service: SERVICE, version: `v-bench-${round}` });
  if (event === 'scaleDown') await run(client, taskQueue, 'scaleDown', { service: SERVICE, cooldownSeconds: 0 });
}

interface EventRun {
  loadBalancer: LoadBalancerKind;
  round: number;
  event: EventName;
  eventMs: number;
  summary: AttackSummary;
  chart: ChartRun;
}

async function measureEvent(client: Client, taskQueue: string, lb: LoadBalancerKind, round: number, event: EventName, rate: number) {
  const mix = await startScaleMix({ baseUrl: `http://${hosts.nginx}:${ports.nginx}`, ratePerSecond: rate, maxSeconds: 120 });
  await sleep(WARM_MS);
  const started = Date.now();
  await runEvent(client, taskQueue, event, round);
  const eventMs = Date.now() - started;
  await sleep(TAIL_MS);
  const results = await mix.stop();
  const summary = summarize(results);
  process.stdout.write(`${lb} #${round} ${event}: ${summary.failed}/${summary.requests} failed, p99 ${summary.latencyMs.p99} ms\n`);
  return { loadBalancer: lb, round, event, eventMs, summary, chart: { loadBalancer: lb, event, round, timeline: timeline(results) } };
}

async function measureRound(client: Client, lb: LoadBalancerKind, round: number, rate: number): Promise<EventRun[]> {
  await switchLoadBalancer(lb);
  await cleanPlatform(client);
  const taskQueue = taskQueueFor(`lb-scale-events-${lb}-${round}`);
  const runs: EventRun[] = [];
  await withWorker(
    taskQueue,
    async () => {
      await scaleUpNow(client, taskQueue, 2);
      for (const event of EVENTS) runs.push(await measureEvent(client, taskQueue, lb, round, event, rate));
    },
    { MIN_INSTANCES: '1', MAX_INSTANCES: '4', LOAD_BALANCER: lb },
  );
  return runs;
}

function totals(runs: EventRun[]) {
  const out: Record<string, Record<string, { requests: number; failed: number; failedPosts: number; worstP99Ms: number }>> = {};
  for (const r of runs) {
    const t = ((out[r.loadBalancer] ??= {})[r.event] ??= { requests: 0, failed: 0, failedPosts: 0, worstP99Ms: 0 });
    t.requests += r.summary.requests;
    t.failed += r.summary.failed;
    t.failedPosts += r.summary.failedPosts;
    t.worstP99Ms = Math.max(t.worstP99Ms, r.summary.latencyMs.p99);
  }
  return out;
}

async function main(): Promise<void> {
  const rate = Number(arg('rate', '200'));
  const rateInRange = () => {
    if (!(rate > 0 && rate <= 2000)) throw new BenchRefusal(`--rate must be a number of requests per second from 1 to 2000`);
  };
  await preflight({
    bench: 'lb-scale-events',
    ports: stackPorts('temporal', 'nginx'),
    tools: [vegeta, { what: 'HAProxy (Debian haproxy)', file: '/usr/sbin/haproxy', install: 'bash infra/local/install-deps.sh' }],
    inputs: [() => runCount('rounds', arg('rounds', '3')), rateInRange],
  });
  const rounds = runCount('rounds', arg('rounds', '3'));
  const loadBefore = os.loadavg();
  const { client, connection } = await temporalClient();
  const runs: EventRun[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: LoadBalancerKind[] = round % 2 ? ['nginx', 'haproxy'] : ['haproxy', 'nginx'];
      for (const lb of order) runs.push(...(await measureRound(client, lb, round, rate)));
    }
    await cleanPlatform(client);
  } finally {
    await switchLoadBalancer('nginx').catch(() => undefined);
    await connection.close();
  }
  const result = {
    bench: 'lb-scale-events',
    ...runRecord(loadBefore),
    settings: {
      rounds,
      ratePerSecond: rate,
      mix: 'GET /api/ping and POST /api/session/counter in turn; 8 session cookies; keep-alive; no client retry (vegeta)',
      windowMs: { warmUp: WARM_MS, after: TAIL_MS },
      vegeta: VEGETA_VERSION,
      nginx: { version: await toolVersion('/usr/sbin/nginx', ['-v']), config: 'infra/nginx/nginx.conf.template' },
      haproxy: { version: await toolVersion('/usr/sbin/haproxy', ['-v']), config: 'infra/haproxy/haproxy.cfg.template' },
      instances: 'process driver; MIN_INSTANCES=1, MAX_INSTANCES=4',
    },
    totals: totals(runs),
    runs: runs.map(({ chart: _chart, ...r }) => r),
  };
  const file = writeResult('lb-scale-events', result);
  const svg = await renderScaleEventsSvg(
    runs.map((r) => r.chart),
    `Open-loop GET+POST at ${rate}/s during scale events: nginx (reload) vs HAProxy (runtime API)`,
  );
  writeFileSync(path.join(repoRoot, file.replace(/\.json$/, '.svg')), svg);
  process.stdout.write(`${JSON.stringify(result.totals, null, 2)}\nwrote ${file} and its .svg\n`);
}

main().catch(benchFailed);
