// The small scripts under workers/ (schedules, health routers) run the same way from the
// command line: the worker's configuration, one client, lines to stdout, and a plain
// message and exit code 1 on failure, never a stack trace.
import { Client } from '@temporalio/client';
import { connectTemporalClient } from '../config/temporal-connect';
import { readWorkerConfig, type WorkerConfig } from '../config/worker-config';

export function runScriptWithClient(work: (client: Client, config: WorkerConfig) => Promise<string[]>): void {
  (async () => {
    const config = readWorkerConfig(process.env);
    const connection = await connectTemporalClient(config.temporal);
    try {
      for (const line of await work(new Client({ connection, namespace: config.namespace }), config)) process.stdout.write(`${line}\n`);
    } finally {
      await connection.close();
    }
  })().catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
