// The CLI's connection to Temporal and the stack's configuration (the worker's, read the same way).
import { Client, Connection } from '@temporalio/client';
import { ConfigError, readWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { CliError, ExitCode } from './errors';

export function cliConfig(): WorkerConfig {
  try {
    return readWorkerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError(
        error.message,
        ExitCode.usage,
        'fix the environment variable it names (see the README, "Configuration reference")',
      );
    throw error;
  }
}

export interface Session {
  config: WorkerConfig;
  client: Client;
  close(): Promise<void>;
}

export async function connect(config: WorkerConfig): Promise<Session> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: 3_000 });
    // connect() may succeed lazily; one cheap call proves the server answers.
    await connection.workflowService.getSystemInfo({});
  } catch (error) {
    throw new CliError(
      `cannot reach Temporal at ${config.temporalAddress} (${(error as Error).message.split('\n')[0]})`,
      ExitCode.unreachable,
      'start the stack with `bash infra/local/stack.sh up`, or set TEMPORAL_ADDRESS to where the Temporal server listens',
    );
  }
  return { config, client: new Client({ connection, namespace: config.namespace }), close: () => connection.close() };
}
