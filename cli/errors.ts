// Exit codes and the errors a user can act on. A CliError prints its message and fix, never a stack.

export const ExitCode = {
  ok: 0,
  /** The operation ran and failed, or a read could not be done. */
  failed: 1,
  /** Bad usage or input: nothing was started. */
  usage: 2,
  /** Temporal did not answer. */
  unreachable: 3,
  /** Another operation holds the mutex workflow ID. */
  busy: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** What to do about it, as a command where there is one. */
    readonly fix?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function usageError(problems: string[], fix: string): CliError {
  return new CliError(`invalid arguments: ${problems.join('; ')}`, ExitCode.usage, fix, { problems });
}
