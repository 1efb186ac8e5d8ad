// Benchmark: the orchestration overhead of one scaleUp on the kubernetes driver (a real
// control plane with kwok's fake kubelet, infra/kubernetes/) beside a local driver
// (`process`, or `docker` where this stack may use Docker), in one run.
// Writes bench/results/kubernetes-reaction-<time>.json.
//
//   set -a; . <your env file>; set +a      # the stack's services up (bash infra/local/stack.sh services)
//   npm run build && node dist/bench/kubernetes-reaction.js [--runs 5] [--drivers process,docker,kubernetes]
//
// Each run: one scaleUp by one instance (cooldown 0) from the same starting count, read from
// its Temporal history, in ms:
//   startMs       ensureInstanceStarted, scheduled → completed: the driver creates the
//                 instance (process: spawn; kubernetes: intent, scale subresource, the
//                 ReplicaSet's new Pod found by a watch and named)
//   readyMs       waitForHealthy, scheduled → completed (process: /api/health answers, so the
//                 app's own boot is in it; kubernetes: the Pod's Ready condition and
//                 availableReplicas, by a watch; kwok makes Pods Ready at once, so no boot)
//   restMs        everything else: workflow tasks, the reads, nginx (process) or the API check (kubernetes)
//   totalMs       workflow started → completed
// The overhead to compare is totalMs − the app's boot: for kubernetes all of totalMs is
// orchestration (kwok has no boot); for process, readyMs holds the boot (APP_STARTUP_DELAY_MS is 0 here).
import { loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { benchFailed, dockerDriverAllowed, preflight, runCount, stackPorts, type PortUse } from '../testkit/bench/preflight';
import { controlPlane, kubernetesWorkerEnv, resetApp } from '../testkit/kubernetes';
import { SERVICE } from '../testkit/platform';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { arg, cleanPlatform, distribution, eventMs, runRecord, writeResult } from './scale-common';

interface RunFigures {
  driver: string;
  run: number;
  startMs: number;
  readyMs: number;
  restMs: number;
  totalMs: number;
}

async function activitySpan(handle: WorkflowHandle, type: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type);
  const completed = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
  return eventMs(completed?.eventTime) - eventMs(scheduled?.eventTime);
}

async function figuresOf(handle: WorkflowHandle, driver: string, run: number): Promise<RunFigures> {
  const events = (await handle.fetchHistory()).events ?? [];
  const totalMs = eventMs(events[events.length - 1]?.eventTime) - eventMs(events[0]?.eventTime);
  const startMs = await activitySpan(handle, 'ensureInstanceStarted');
  const readyMs = await activitySpan(handle, 'waitForHealthy');
  return { driver, run, startMs, readyMs, restMs: totalMs - startMs - readyMs, totalMs };
}

async function driverEnv(driver: string): Promise<Record<string, string>> {
  return driver === 'kubernetes'
    ? { ...(await kubernetesWorkerEnv()), COOLDOWN_PERIOD: '0' }
    : { ORCHESTRATOR: driver, MIN_INSTANCES: '0', MAX_INSTANCES: '4', APP_STARTUP_DELAY_MS: '0' };
}

/** One scaleUp on one driver, from one instance (kubernetes) or none (local drivers). */
async function runOnce(client: Client, driver: string, run: number): Promise<RunFigures> {
  const taskQueue = taskQueueFor(`bench kubernetes reaction ${driver}`);
  // The kubernetes side first applies infra/k8s/ (namespace jarvis, the worker's ServiceAccount,
  // the Deployment): the worker's kubeconfig is a token of that ServiceAccount, so its env is
  // read only after (on a fresh control plane, reading it first failed: namespaces "jarvis" not found).
  if (driver === 'kubernetes') await resetApp(1);
  else await cleanPlatform(client);
  const env = await driverEnv(driver);
  let figures: RunFigures | undefined;
  await withWorker(
    taskQueue,
    async () => {
      const handle = await client.workflow.start('scaleUp', {
        taskQueue,
        workflowId: `scale/${SERVICE}`,
        args: [{ service: SERVICE, cooldownSeconds: 0 }],
      });
      await handle.result();
      figures = await figuresOf(handle, driver, run);
    },
    env,
  );
  if (driver !== 'kubernetes') await cleanPlatform(client);
  return figures!;
}

/** Interleaved (A B C A B C …), so a change in the machine's load falls on every driver alike. */
async function runInterleaved(client: Client, drivers: readonly string[], runs: number): Promise<RunFigures[]> {
  const all: RunFigures[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const driver of drivers) all.push(await runOnce(client, driver, run));
  }
  return all;
}

/** The control plane's ports (infra/kubernetes/cluster.sh): this stack's own if it already runs one, else free. */
function controlPlanePorts(): PortUse[] {
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const etcd = port('K8S_ETCD_PORT', 16379);
  return [
    { port: etcd, what: 'etcd (Kubernetes)', use: 'oursOrFree' },
    { port: port('K8S_ETCD_PEER_PORT', etcd + 1), what: 'etcd peer (Kubernetes)', use: 'oursOrFree' },
    { port: port('K8S_API_PORT', 16443), what: 'kube-apiserver', use: 'oursOrFree' },
    { port: port('K8S_KCM_PORT', 16257), what: 'kube-controller-manager', use: 'oursOrFree' },
    { port: port('K8S_SCHEDULER_PORT', 16259), what: 'kube-scheduler', use: 'oursOrFree' },
  ];
}

async function checkFirst(drivers: string[]): Promise<void> {
  const binDir = execFileSync('bash', [path.join(repoRoot, 'infra', 'kubernetes', 'install.sh'), 'path'], { encoding: 'utf8' }).trim();
  const install = 'bash infra/local/install-deps.sh kubernetes';
  await preflight({
    bench: 'kubernetes-reaction',
    ports: [...stackPorts('temporal'), ...(drivers.includes('process') ? stackPorts('nginx') : []), ...controlPlanePorts()],
    tools: ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'].map((b) => ({
      what: `${b} (the Kubernetes control plane)`,
      file: path.join(binDir, b),
      install,
    })),
    inputs: [() => runCount('runs', arg('runs', '5')), dockerDriverAllowed(drivers)],
  });
}

async function main(): Promise<void> {
  const defaultDrivers = process.env.JARVIS_WITHOUT_DOCKER === '1' ? 'process,kubernetes' : 'process,docker,kubernetes';
  const drivers = arg('drivers', defaultDrivers).split(',');
  await checkFirst(drivers);
  const runs = runCount('runs', arg('runs', '5'));
  const loadBefore = loadavg();
  const plane = await controlPlane();
  const { client, connection } = await temporalClient();
  try {
    const all = await runInterleaved(client, drivers, runs);
    const byDriver = Object.fromEntries(
      drivers.map((d) => {
        const mine = all.filter((f) => f.driver === d);
        const of = (key: keyof RunFigures) => distribution(mine.map((f) => Number(f[key])));
        return [d, { startMs: of('startMs'), readyMs: of('readyMs'), restMs: of('restMs'), totalMs: of('totalMs') }];
      }),
    );
    const result = {
      bench: 'kubernetes-reaction',
      ...runRecord(loadBefore),
      order: 'interleaved: each run takes every driver in turn',
      settings: Object.fromEntries(
        await Promise.all(drivers.map(async (d) => [d, d === 'kubernetes' ? 'kwok node, the test control plane' : await driverEnv(d)])),
      ),
      controlPlaneStartSeconds: plane.startSeconds,
      note: 'kwok makes Pods Ready without running a container: the kubernetes figures are the orchestration alone (API writes, watches, controllers, scheduler)',
      byDriver,
      runs: all,
    };
    const file = writeResult('kubernetes-reaction', result);
    process.stdout.write(`results: ${file}\n`);
    for (const d of drivers) {
      const b = byDriver[d];
      process.stdout.write(
        `${d}: total p50 ${b.totalMs.p50} ms (start ${b.startMs.p50}, ready ${b.readyMs.p50}, rest ${b.restMs.p50}); max total ${b.totalMs.max} ms\n`,
      );
    }
  } finally {
    await connection.close();
  }
}

main().catch(benchFailed);
