// Starts the health router of each service, health-router/<service>, when the worker
// starts: idempotent (a running router is left as it is, with its own settings), and
// skipped with HEALTH_ROUTER_ENABLED=false. Also `node dist/workers/bootstrap/health-routers.js`.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { WorkerConfig } from '../../config/worker-config';
import { healthRouterId } from '../../contracts/routing';
import { OperationKey, ServiceKey } from '../../contracts/common/search-attributes';
import { runScriptWithClient } from '../script-entry';

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
  runScriptWithClient(async (client, config) => {
    const outcomes = await ensureHealthRouters(client, config);
    if (!outcomes.length) return ['health routers not started: HEALTH_ROUTER_ENABLED=false'];
    return outcomes.map((o) => `${o.workflowId}: ${o.started ? 'started' : 'already running'}`);
  });
}
