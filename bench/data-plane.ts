// Benchmark: the data plane at the seed's scale. Holds N concurrent keep-alive connections (the
// seed's 10,000 concurrent users, each one request then idle) and, on top, an open-loop GET load
// (vegeta, fixed arrival rate, no client retry) at rising rates; the highest rate whose p99 stays
// under 200 ms with no failure, through the load balancer to 3 instances and direct to one
// instance, as a ratio. Loopback only; every step is bounded in time.
// Writes bench/results/data-plane-<time>.json and .svg (p99 against rate).
//
//   set -a; . <your env file>; set +a      # the stack's services up; vegeta installed
//   npm run build && bash -c 'ulimit -n 20000 && node dist/bench/data-plane.js [--connections 10000] [--quick]'
//
// The connections need one descriptor each in this process (hence ulimit -n). --quick: 1,000
// connections, 3 s steps, rates up to 1,000/s.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { benchFailed, BenchRefusal, preflight, stackPorts, vegeta } from '../testkit/bench/preflight';
import { startAttack, VEGETA_VERSION } from '../testkit/bench/vegeta';
import { summarize, type AttackSummary } from '../testkit/bench/vegeta-summary';
import { SERVICE } from '../testkit/platform';
import { hosts, ports } from '../testkit/ports';
import { scaleUpNow } from '../testkit/scaling';
import { repoRoot, taskQueueFor, temporalClient, testWorkerConfig } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { createClients, createOrchestrator } from '../activities';
import { renderDataPlaneSvg, type RatePoint } from './data-plane-chart';
import { arg, cleanPlatform, openFilesLimit, runRecord, sleep, toolVersion, writeResult } from './scale-common';

const BOUND_MS = 200;

/** N keep-alive connections, each sends one GET and then stays open, idle; counts how many still are. */
async function holdConnections(port: number, count: number) {
  const sockets: net.Socket[] = [];
  let answered = 0;
  let closed = 0;
  const request = `GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`;
  const openOne = () =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.write(request));
      let first = true;
      s.on('data', () => {
        if (first) answered++;
        first = false;
        // Answered: idle from here on, for as long as the ladder lasts (the 15 s limit is for
        // the answer only; left on, it closed the first connections while the rest opened).
        s.setTimeout(0);
        resolve();
      });
      s.on('error', () => resolve());
      s.on('close', () => {
        closed++;
        resolve();
      });
      s.setTimeout(15_000, () => s.destroy());
      sockets.push(s);
    });
  for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, openOne));
  for (const s of sockets) s.setTimeout(0);
  return {
    opened: count,
    answered,
    open: () => count - closed,
    close: () => sockets.forEach((s) => s.destroy()),
  };
}

interface Step {
  ratePerSecond: number;
  openConnections: { before: number; after: number };
  summary: AttackSummary;
  withinBound: boolean;
}

async function ladder(label: string, url: string, port: number, connections: number, rates: number[], stepSeconds: number) {
  const held = await holdConnections(port, connections);
  process.stdout.write(`${label}: ${held.answered}/${connections} connections answered, ${held.open()} open\n`);
  const steps: Step[] = [];
  try {
    for (const rate of rates) {
      const before = held.open();
      const attack = await startAttack({
        targets: [{ method: 'GET', url }],
        ratePerSecond: rate,
        maxSeconds: stepSeconds,
        timeoutSeconds: 5,
      });
      const summary = summarize(await attack.done);
      const withinBound = summary.latencyMs.p99 < BOUND_MS && summary.failed === 0;
      steps.push({ ratePerSecond: rate, openConnections: { before, after: held.open() }, summary, withinBound });
      process.stdout.write(
        `${label} ${rate}/s: achieved ${summary.ratePerSecond}, p99 ${summary.latencyMs.p99} ms, ${summary.failed} failed, ${held.open()} held\n`,
      );
      if (!withinBound) break;
      await sleep(1000);
    }
  } finally {
    held.close();
  }
  const best = steps.filter((s) => s.withinBound).at(-1)?.ratePerSecond ?? 0;
  return { connectionsAnswered: held.answered, highestRateUnderBound: best, steps };
}

type Ladder = Awaited<ReturnType<typeof ladder>>;

async function dataPlaneResult(
  run: { quick: boolean; connections: number; rates: number[]; stepSeconds: number; loadBefore: number[] },
  lb: Ladder | undefined,
  direct: Ladder | undefined,
) {
  const { quick, connections, rates, stepSeconds, loadBefore } = run;
  return {
    bench: 'data-plane',
    ...runRecord(loadBefore),
    settings: {
      quick,
      heldConnections: connections,
      rates,
      stepSeconds,
      boundP99Ms: BOUND_MS,
      load: 'vegeta open loop, GET /api/ping, keep-alive, no client retry, 5 s timeout; a step passes with p99 < bound and 0 failed',
      vegeta: VEGETA_VERSION,
      loadBalancer: {
        kind: process.env.LOAD_BALANCER ?? 'nginx',
        version: await toolVersion('/usr/sbin/nginx', ['-v']),
        config: 'infra/nginx/nginx.conf.template',
      },
      instances: 'process driver: 3 behind the load balancer; the direct path uses one of them',
      openFilesLimit: openFilesLimit(),
    },
    throughLoadBalancer: lb,
    directToOneInstance: direct,
    ratioLoadBalancerToDirect:
      lb && direct && direct.highestRateUnderBound > 0
        ? Math.round((lb.highestRateUnderBound / direct.highestRateUnderBound) * 100) / 100
        : undefined,
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const connections = Number(arg('connections', quick ? '1000' : '10000'));
  const stepSeconds = quick ? 3 : 5;
  const rates = quick ? [250, 500, 1000] : [250, 500, 1000, 2000, 3000, 4000, 6000, 8000];
  const connectionsInRange = () => {
    if (!Number.isInteger(connections) || connections < 1 || connections > 15_000)
      throw new BenchRefusal(`--connections must be a whole number from 1 to 15000 (got '${arg('connections', '')}')`);
  };
  // One ladder each way, not repeated runs: it has no run count to check.
  await preflight({ bench: 'data-plane', ports: stackPorts('temporal', 'nginx'), tools: [vegeta], inputs: [connectionsInRange] });
  const loadBefore = os.loadavg();
  const { client, connection } = await temporalClient();
  const taskQueue = taskQueueFor('bench data-plane');
  let lb: Awaited<ReturnType<typeof ladder>> | undefined;
  let direct: Awaited<ReturnType<typeof ladder>> | undefined;
  try {
    await cleanPlatform(client);
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(client, taskQueue, 3);
        const config = testWorkerConfig();
        const clients = createClients(config);
        const instances = await createOrchestrator('process', config, clients).listInstances(SERVICE);
        await clients.close();
        const one = instances.find((i) => i.running)!;
        lb = await ladder('load balancer', `http://${hosts.nginx}:${ports.nginx}/api/ping`, ports.nginx, connections, rates, stepSeconds);
        await sleep(2000);
        direct = await ladder(`direct ${one.name}`, `http://127.0.0.1:${one.port}/api/ping`, one.port, connections, rates, stepSeconds);
      },
      { ORCHESTRATOR: 'process', MIN_INSTANCES: '1', MAX_INSTANCES: '4' },
    );
  } finally {
    await cleanPlatform(client);
    await connection.close();
  }
  const result = await dataPlaneResult({ quick, connections, rates, stepSeconds, loadBefore }, lb, direct);
  const file = writeResult('data-plane', result);
  const points: RatePoint[] = [
    ...(lb?.steps ?? []).map((s) => ({
      path: 'through the load balancer (3 instances)',
      ratePerSecond: s.ratePerSecond,
      p99Ms: s.summary.latencyMs.p99,
      failed: s.summary.failed,
    })),
    ...(direct?.steps ?? []).map((s) => ({
      path: 'direct to one instance',
      ratePerSecond: s.ratePerSecond,
      p99Ms: s.summary.latencyMs.p99,
      failed: s.summary.failed,
    })),
  ];
  writeFileSync(
    path.join(repoRoot, file.replace(/\.json$/, '.svg')),
    await renderDataPlaneSvg(points, BOUND_MS, `p99 against rate with ${connections} held keep-alive connections`),
  );
  process.stdout.write(
    `highest rate under ${BOUND_MS} ms: load balancer ${lb?.highestRateUnderBound}/s, direct ${direct?.highestRateUnderBound}/s, ratio ${result.ratioLoadBalancerToDirect}\nwrote ${file} and its .svg\n`,
  );
}

main().catch(benchFailed);
