// The worker: serves the jarvis-scaling task queue with every workflow and activity.
import { Client } from '@temporalio/client';
import { Runtime, Worker } from '@temporalio/worker';
import { createActivities, createClients, createOrchestrator } from '../activities';
import { chooseOrchestrator } from '../activities/scaling/orchestrator-choice';
import { checkKubernetesTarget } from '../activities/scaling/kubernetes-preflight';
import { ConfigError, readWorkerConfig } from '../config/worker-config';
import { requireWorkerSecrets } from '../config/required-secrets';
import { requireResolvableHosts } from '../config/endpoint-check';
import { connectTemporalClient, connectTemporalNative, TemporalUnreachableError } from '../config/temporal-connect';
import { ensureAutoscaleSchedules } from './bootstrap/schedules';
import { ensureHealthRouters } from './bootstrap/health-routers';
import { describePgMonitorOutcome, ensurePgMonitor } from './bootstrap/pg-monitors';
import { replicationLagGauge } from './metrics/pg-metrics';
import { registerPlatformMetrics } from './metrics/platform-metrics';
import { registerHealthScoreMetrics } from './metrics/health-score-metrics';
import { registerRedisMetrics } from './metrics/redis-metrics';
import { serveWorkerMetrics, workerRegistry } from './metrics/worker-metrics';
import { workflowSource } from '../config/workflow-source';

async function main(): Promise<void> {
  const config = readWorkerConfig(process.env);
  requireWorkerSecrets(config);
  await requireResolvableHosts(config);
  // The SDK runtime's own metrics (task slots, poll latencies, …) on their own port, beside the worker's.
  if (config.workerSdkMetricsPort > 0) {
    const bindAddress = `${config.workerMetricsHost}:${config.workerSdkMetricsPort}`;
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  }
  // Temporal first: a wrong address, certificate, API key or namespace stops the worker before it touches anything.
  const connection = await connectTemporalNative(config.temporal);
  const client = new Client({ connection: await connectTemporalClient(config.temporal), namespace: config.namespace });
  const clients = createClients(config);
  const driver = await chooseOrchestrator(config, clients.docker);
  if (driver === 'kubernetes') {
    const found = await checkKubernetesTarget(config).catch((error: Error) => {
      throw new ConfigError(`ORCHESTRATOR=kubernetes: ${error.message}`);
    });
    process.stdout.write(`${found}\n`);
  }
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: createActivities(config, driver, clients, { replicationLag: replicationLagGauge(workerRegistry) }),
    ...workflowSource(),
  });
  registerPlatformMetrics(workerRegistry, {
    client,
    orchestrator: createOrchestrator(driver, config, clients),
    redis: clients.cluster,
    services: config.services,
  });
  registerHealthScoreMetrics(workerRegistry, {
    client,
    orchestrator: createOrchestrator(driver, config, clients),
    redis: clients.cluster,
    services: config.services,
  });
  registerRedisMetrics(workerRegistry, clients.redis);
  const metrics = config.workerMetricsPort > 0 ? serveWorkerMetrics(config.workerMetricsPort, config.workerMetricsHost) : undefined;
  if (process.env.CREATE_SCHEDULES !== 'false') {
    for (const outcome of await ensureAutoscaleSchedules(client, config)) {
      process.stdout
        .write(`schedule ${outcome.scheduleId}: ${outcome.created ? 'created' : 'up to date'}, ${outcome.paused ? 'paused (AUTOSCALE_ENABLED=false)' : 'running'}
`);
    }
    // The router is optional for the rest of the worker: report and carry on. Its first
    // round runs once this worker polls.
    // On Kubernetes the Service routes by the Pods' readiness; the router would probe Pods, which is not ours to do.
    await (driver === 'kubernetes' ? Promise.resolve([]) : ensureHealthRouters(client, config)).then(
      (outcomes) =>
        outcomes.forEach((o) => process.stdout.write(`health router ${o.workflowId}: ${o.started ? 'started' : 'already running'}\n`)),
      (error: Error) => process.stderr.write(`health router not started: ${error.message}\n`),
    );
  }
  if (config.postgres.monitorEnabled) {
    // The monitor is optional for the rest of the worker: report and carry on.
    await ensurePgMonitor(client, {
      cluster: 'main',
      taskQueue: config.taskQueue,
      probeIntervalMs: config.postgres.monitorProbeIntervalMs,
    }).then(
      (outcome) => process.stdout.write(`${describePgMonitorOutcome(outcome)}\n`),
      (error: Error) => process.stderr.write(`pg monitor not started: ${error.message}\n`),
    );
  }
  process.stdout.write(`worker ready: task queue ${config.taskQueue} on ${config.temporal.summary}, orchestrator ${driver}\n`);
  await worker.run(); // returns after SIGINT/SIGTERM, which the SDK handles with a graceful shutdown
  metrics?.close();
  await client.connection.close();
  await clients.close();
  await connection.close();
}

main().catch((error) => {
  if (error instanceof TemporalUnreachableError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`worker failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
