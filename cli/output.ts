// One place decides between human text and --json, so every command honours --json alike.
import { CliError, ExitCode } from './errors';

export interface Output {
  json: boolean;
  /** A human line on stdout; nothing in --json mode. */
  line(text: string): void;
  /** The command's result: JSON on stdout with --json, else the human rendering. */
  result(value: unknown, human: () => string): void;
  /** A live line on stderr (rewritten in place on a terminal); nothing in --json mode. */
  progress(text: string): void;
  endProgress(): void;
}

export function createOutput(json: boolean): Output {
  let live = false;
  let last = '';
  const tty = Boolean(process.stderr.isTTY);
  return {
    json,
    line: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    result: (value, human) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else process.stdout.write(`${human()}\n`);
    },
    progress: (text) => {
      if (json || text === last) return;
      last = text;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${text}`);
        live = true;
      } else process.stderr.write(`${text}\n`);
    },
    endProgress: () => {
      if (live) process.stderr.write('\n');
      live = false;
    },
  };
}

/** Prints an error the way the output mode wants it and returns its exit code. */
export function reportError(error: unknown, json: boolean): number {
  const e =
    error instanceof CliError
      ? error
      : new CliError(
          `unexpected error: ${(error as Error)?.message ?? String(error)}`,
          ExitCode.failed,
          'run again with JARVIS_DEBUG=1 for the stack trace, and report it',
        );
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: { message: e.message, exitCode: e.exitCode, fix: e.fix ?? null, ...(e.details ?? {}) } }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`error: ${e.message}\n`);
    if (e.fix) process.stderr.write(`fix: ${e.fix}\n`);
  }
  if (!(error instanceof CliError) && process.env.JARVIS_DEBUG === '1') process.stderr.write(`${(error as Error)?.stack}\n`);
  return e.exitCode;
}
