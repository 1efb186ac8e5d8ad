// The CLI's connection to Temporal and the stack's configuration (the worker's, read the same way).
import { Client, type Connection } from '@temporalio/client';
import { connectTemporalClient, TemporalSettingError, TemporalUnreachableError } from '../config/temporal-connect';
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
    // Checked end to end: address, TLS, credentials and namespace, each failure naming its setting.
    connection = await connectTemporalClient(config.temporal, 3_000);
  } catch (error) {
    if (error instanceof TemporalSettingError)
      throw new CliError(error.message, ExitCode.usage, `check ${error.setting} (see docs/temporal-external.md)`);
    if (error instanceof TemporalUnreachableError)
      throw new CliError(
        error.message,
        ExitCode.unreachable,
        'start the stack with `bash infra/local/stack.sh up`, or set TEMPORAL_ADDRESS to where the Temporal server listens',
      );
    throw error;
  }
  return { config, client: new Client({ connection, namespace: config.namespace }), close: () => connection.close() };
}
