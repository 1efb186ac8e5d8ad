// Starts the health router of each service, health-router/<service>, when the worker
// starts: idempotent (a running router is left as it is, with its own settings), and
// skipped with HEALTH_ROUTER_ENABLED=false. Also `node dist/workers/health-routers.js`.
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { readWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { healthRouterId } from '../policy/names';
import { OperationKey, ServiceKey } from '../workflows/search-attributes';

export interface HealthRouterOutcome {
  workflowId: string;
  started: boolean;
}

export async function ensureHealthRouter(client: Client, config: WorkerConfig, service: string): Promise<HealthRouterOutcome> {
  const workflowId = healthRouterId(service);
  try {
    await client.workflow.start('healthRouter', {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ service }],
      typedSearchAttributes: [
        { key: ServiceKey, value: service },
        { key: OperationKey, value: 'healthRouter' },
      ],
      staticSummary: `healthRouter ${service}`,
    });
    return { workflowId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw error;
  }
}

export async function ensureHealthRouters(client: Client, config: WorkerConfig): Promise<HealthRouterOutcome[]> {
  if (!config.healthRouterEnabled) return [];
  const outcomes: HealthRouterOutcome[] = [];
  for (const service of config.services) outcomes.push(await ensureHealthRouter(client, config, service));
  return outcomes;
}

if (require.main === module) {
  (async () => {
    const config = readWorkerConfig(process.env);
    const connection = await Connection.connect({ address: config.temporalAddress });
    try {
      const outcomes = await ensureHealthRouters(new Client({ connection, namespace: config.namespace }), config);
      if (!outcomes.length) process.stdout.write('health routers not started: HEALTH_ROUTER_ENABLED=false\n');
      for (const o of outcomes) process.stdout.write(`${o.workflowId}: ${o.started ? 'started' : 'already running'}\n`);
    } finally {
      await connection.close();
    }
  })().catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
