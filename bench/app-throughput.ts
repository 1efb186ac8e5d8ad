// Benchmark (not a test): requests/s and latency of the reference app through nginx with 3
// instances, against one instance hit directly, in the same run on the same machine. Also
// records where the CPU time went (instances, nginx workers, the load generator) so the
// figures can be read against the seed's target of 5,000 req/s at < 100 ms average.
//
//   set -a; . <your env file>; set +a   # the stack's ports
//   bash infra/local/stack.sh services && npm run build
//   node dist/bench/app-throughput.js [seconds per scenario, default 10] [connections, default 50]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addToNginx, cleanUpInstances, nginxUrl, startReadyInstances, waitNginxServes, type AppInstance } from '../testkit/app-instances';
import { runLoad, type AutocannonResult } from '../testkit/load';
import { benchFailed, preflight, stackPorts } from '../testkit/bench/preflight';
import { repoRoot, stateDir } from '../testkit/stack';
import { runRecord } from './scale-common';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function nginxWorkerPids(): number[] {
  const master = Number(readFileSync(path.join(stateDir, 'nginx', 'nginx.pid'), 'utf8').trim());
  const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

function redisPids(): number[] {
  const dir = path.join(stateDir, 'redis');
  return readdirSync(dir)
    .filter((d) => /^\d+$/.test(d) && existsSync(path.join(dir, d, 'redis.pid')))
    .map((d) => Number(readFileSync(path.join(dir, d, 'redis.pid'), 'utf8').trim()));
}

/** Busy and total CPU time of the whole machine, in seconds (first line of /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0) / TICKS;
  const idle = (fields[3] + fields[4]) / TICKS;
  return { busy: total - idle, total };
}

interface Groups {
  [name: string]: number[];
}

function cpuOf(groups: Groups): Record<string, number> {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
}

async function measure(name: string, url: string, groups: Groups, setupCookies?: string[]) {
  const before = cpuOf(groups);
  const machineBefore = machineCpu();
  const selfBefore = process.cpuUsage();
  const started = Date.now();
  let next = 0;
  const result: AutocannonResult = await runLoad({
    url,
    connections,
    durationSeconds: seconds,
    ...(setupCookies
      ? {
          setupClient: (client: { setHeaders: (h: Record<string, string>) => void }) =>
            client.setHeaders({ cookie: setupCookies[next++ % setupCookies.length] }),
        }
      : {}),
  });
  const wallSeconds = (Date.now() - started) / 1000;
  const after = cpuOf(groups);
  const self = process.cpuUsage(selfBefore);
  const cpu: Record<string, number> = {};
  for (const key of Object.keys(groups)) cpu[key] = Math.round(((after[key] - before[key]) / wallSeconds) * 100) / 100;
  cpu.loadGenerator = Math.round(((self.user + self.system) / 1e6 / wallSeconds) * 100) / 100;
  // Everything else on the machine (other work on this shared host, PostgreSQL, the kernel's softirqs).
  const machineAfter = machineCpu();
  const machineBusy = (machineAfter.busy - machineBefore.busy) / wallSeconds;
  const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
  cpu.wholeMachineBusy = Math.round(machineBusy * 100) / 100;
  cpu.everythingElse = Math.round((machineBusy - ours) * 100) / 100;
  const figures = {
    scenario: name,
    url,
    requestsPerSecond: Math.round(result.requests.average),
    totalRequests: result.requests.total,
    latencyMs: { average: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    cpuCoresUsed: cpu,
  };
  console.log(JSON.stringify(figures));
  return figures;
}

async function createSessions(count: number, base: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${base}/api/session/counter`, { method: 'POST' });
    await res.arrayBuffer();
    cookies.push((res.headers.get('set-cookie') ?? '').split(';')[0]);
  }
  return cookies;
}

async function main(): Promise<void> {
  await preflight({ bench: 'app-throughput', ports: stackPorts('redis', 'nginx') });
  const loadBefore = os.loadavg();
  let instances: AppInstance[] = [];
  try {
    instances = await startReadyInstances([11, 12, 13], { HEARTBEAT_INTERVAL_MS: '3000', REGISTRY_TTL_SECONDS: '15' });
    const direct = instances[0];
    const pids = instances.map((i) => i.child.pid!);
    const results = [];

    // nginx → 1 instance separates the proxy hop's cost from the cost of running 3 instances on 2 cores.
    await addToNginx(direct);
    await waitNginxServes([direct.id]);
    let groups: Groups = { instances: pids, nginxWorkers: nginxWorkerPids(), redis: redisPids() };
    const cookies = await createSessions(connections, nginxUrl);
    results.push(await measure('ping: one instance, direct', `${direct.url}/api/ping`, groups));
    results.push(await measure('ping: nginx → 1 instance', `${nginxUrl}/api/ping`, groups));

    for (const i of instances.slice(1)) await addToNginx(i);
    await waitNginxServes(instances.map((i) => i.id));
    groups = { instances: pids, nginxWorkers: nginxWorkerPids(), redis: redisPids() };
    results.push(await measure('ping: nginx → 3 instances', `${nginxUrl}/api/ping`, groups));
    results.push(await measure('session read (Redis): one instance, direct', `${direct.url}/api/session`, groups, cookies));
    results.push(await measure('session read (Redis): nginx → 3 instances', `${nginxUrl}/api/session`, groups, cookies));
    const report = {
      benchmark: 'app-throughput',
      ...runRecord(loadBefore),
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      settings: { secondsPerScenario: seconds, connections },
      anchor: { source: 'the seed', requestsPerSecond: 5000, averageLatencyMsBelow: 100 },
      results,
    };
    const dir = path.join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `app-throughput-${report.at.slice(0, 19).replace(/[:T]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written ${path.relative(repoRoot, file)}`);
  } finally {
    await cleanUpInstances();
  }
}

main().catch(benchFailed);
