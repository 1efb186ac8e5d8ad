// The worker: serves the jarvis-scaling task queue with every workflow and activity.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createClients, createOrchestrator } from '../activities';
import { chooseOrchestrator } from '../activities/scaling/orchestrator-choice';
import { checkKubernetesTarget } from '../activities/scaling/kubernetes-preflight';
import { ConfigError, readWorkerConfig } from '../config/worker-config';
import { requireWorkerSecrets } from '../config/required-secrets';
import { ensureAutoscaleSchedules } from './bootstrap/schedules';
import { ensureHealthRouters } from './bootstrap/health-routers';
import { describePgMonitorOutcome, ensurePgMonitor } from './bootstrap/pg-monitors';
import { replicationLagGauge } from './metrics/pg-metrics';
import { registerPlatformMetrics } from './metrics/platform-metrics';
import { registerRedisMetrics } from './metrics/redis-metrics';
import { serveWorkerMetrics, workerRegistry } from './metrics/worker-metrics';
import { workflowSource } from '../config/workflow-source';

async function main(): Promise<void> {
  const config = readWorkerConfig(process.env);
  requireWorkerSecrets(config);
  // The SDK runtime's own metrics (task slots, poll latencies, …) on their own loopback port.
  if (config.workerSdkMetricsPort > 0) {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.workerSdkMetricsPort}` } } } });
  }
  const clients = createClients(config);
  const driver = await chooseOrchestrator(config, clients.docker);
  if (driver === 'kubernetes') {
    const found = await checkKubernetesTarget(config).catch((error: Error) => {
      throw new ConfigError(`ORCHESTRATOR=kubernetes: ${error.message}`);
    });
    process.stdout.write(`${found}\n`);
  }
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: createActivities(config, driver, clients, { replicationLag: replicationLagGauge(workerRegistry) }),
    ...workflowSource(),
  });
  const metricsClient = new Client({
    connection: await Connection.connect({ address: config.temporalAddress }),
    namespace: config.namespace,
  });
  registerPlatformMetrics(workerRegistry, {
    client: metricsClient,
    orchestrator: createOrchestrator(driver, config, clients),
    redis: clients.cluster,
    services: config.services,
  });
  registerRedisMetrics(workerRegistry, clients.redis);
  const metrics = config.workerMetricsPort > 0 ? serveWorkerMetrics(config.workerMetricsPort) : undefined;
  if (process.env.CREATE_SCHEDULES !== 'false') {
    const client = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.namespace });
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
    await client.connection.close();
  }
  if (config.postgres.monitorEnabled) {
    // The monitor is optional for the rest of the worker: report and carry on.
    const client = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.namespace });
    await ensurePgMonitor(client, {
      cluster: 'main',
      taskQueue: config.taskQueue,
      probeIntervalMs: config.postgres.monitorProbeIntervalMs,
    }).then(
      (outcome) => process.stdout.write(`${describePgMonitorOutcome(outcome)}\n`),
      (error: Error) => process.stderr.write(`pg monitor not started: ${error.message}\n`),
    );
    await client.connection.close();
  }
  process.stdout.write(
    `worker ready: task queue ${config.taskQueue} on ${config.temporalAddress}, namespace ${config.namespace}, orchestrator ${driver}\n`,
  );
  await worker.run(); // returns after SIGINT/SIGTERM, which the SDK handles with a graceful shutdown
  metrics?.close();
  await metricsClient.connection.close();
  await clients.close();
  await connection.close();
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`worker failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
