// The worker: serves the jarvis-scaling task queue with every workflow and activity.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, createClients } from '../activities';
import { ConfigError, readWorkerConfig } from '../config/worker-config';
import { serveWorkerMetrics } from './worker-metrics';
import { workflowSource } from './workflow-source';

async function main(): Promise<void> {
  const config = readWorkerConfig(process.env);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const clients = createClients(config);
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: createActivities(config, clients),
    ...workflowSource(),
  });
  const metrics = config.workerMetricsPort > 0 ? serveWorkerMetrics(config.workerMetricsPort) : undefined;
  process.stdout.write(`worker ready: task queue ${config.taskQueue} on ${config.temporalAddress}, namespace ${config.namespace}\n`);
  await worker.run(); // returns after SIGINT/SIGTERM, which the SDK handles with a graceful shutdown
  metrics?.close();
  // Open Redis node connections would otherwise keep the process alive after shutdown.
  await clients.redis.close();
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
