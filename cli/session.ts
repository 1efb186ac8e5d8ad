// What every subcommand shares: the global options, one Temporal session per command, and
// the check that a named service is one this stack scales.
import { connect, cliConfig, type Session } from './connect';
import { CliError, ExitCode } from './errors';

export interface GlobalOptions {
  json: boolean;
  taskQueue?: string;
  wait: boolean;
}

export async function withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await connect(cliConfig());
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export function knownService(service: string, services: string[]): void {
  if (!services.includes(service)) {
    throw new CliError(
      `unknown service "${service}"; this stack scales: ${services.join(', ')}`,
      ExitCode.usage,
      'name one of those services, or add it to SERVICES',
    );
  }
}
