// Brings a service to at least N running instances through the scaleUp workflow, for the
// main job's start-up. The autoscaler may already hold the service's mutex (a scale-up
// below the minimum, then its cooldown): an operation in progress is waited for, and a
// cooldown is cancelled (its instances stay) so that this scale-up can run.
//   node dist/workers/bootstrap/ensure-instances.js <service> <count>
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { createClients, createOrchestrator } from '../../activities';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { connectTemporalClient } from '../../config/temporal-connect';
import { readWorkerConfig } from '../../config/worker-config';
import { scaleMutexId } from '../../contracts/scaling';
import { progressQuery } from '../../contracts/common/progress';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const [service = 'jarvis-app', wantedText = '3'] = process.argv.slice(2);
  const wanted = Number(wantedText);
  if (!Number.isInteger(wanted) || wanted < 0) throw new Error(`count must be a whole number, got "${wantedText}"`);
  const config = readWorkerConfig(process.env);
  const connection = await connectTemporalClient(config.temporal);
  const clients = createClients(config);
  const orchestrator = createOrchestrator(await chooseOrchestrator(config, clients.docker), config, clients);
  const client = new Client({ connection, namespace: config.namespace });
  const handle = client.workflow.getHandle(scaleMutexId(service));
  try {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const running = (await orchestrator.listInstances(service)).filter((i) => i.running).length;
      if (running >= wanted) {
        process.stdout.write(`${running} ${service} instances running\n`);
        return;
      }
      const status = await handle.describe().then(
        (d) => d.status.name,
        (e: unknown) => (e instanceof WorkflowNotFoundError ? 'NONE' : Promise.reject(e)),
      );
      if (status === 'RUNNING') {
        const step = await handle.query(progressQuery).then(
          (p) => p.step,
          () => 'unknown',
        );
        if (step === 'cooldown') await handle.cancel();
        await sleep(1_000);
        continue;
      }
      process.stdout.write(`starting ${wanted - running} ${service} instance(s) through scaleUp\n`);
      await client.workflow.execute('scaleUp', {
        taskQueue: config.taskQueue,
        workflowId: scaleMutexId(service),
        args: [{ service, count: wanted - running, cooldownSeconds: 0 }],
      });
    }
    throw new Error(`${service} did not reach ${wanted} running instances within 180 s; see the Temporal UI`);
  } finally {
    await connection.close();
    await clients.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
