// Runs the built jarvis-scale CLI as a child process, as an operator would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, existsSync } from 'node:fs';
import path from 'node:path';
import { temporalAddress } from './ports';
import { repoRoot, stateDir } from './stack';

export const cliPath = path.join(repoRoot, 'dist', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: temporalAddress, JARVIS_STATE_DIR: stateDir, ...env };
}

/**
 * The CLI's --json answer, as the tests read it: an operation's outcome, a signal's, or an error.
 * Which fields are there depends on the command; a test asserts on the ones it expects.
 */
export interface CliAnswer {
  ok: boolean;
  state: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  input: unknown;
  result: Record<string, unknown>;
  paused: boolean;
  error: { message: string; exitCode: number; fix: string };
}

/** Parses the CLI's --json output; `T` names what the command prints (CliAnswer unless said). */
export function cliJson<T = CliAnswer>(text: string): T {
  return JSON.parse(text) as T;
}

/** Resolves with the exit code and output; never rejects on a non-zero exit. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: cliEnv(env), timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI as a long-running child, for the Ctrl-C test. */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; stderr: () => string; stdout: () => string } {
  const child = spawn(process.execPath, [cliPath, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err, stdout: () => out };
}

/** A folder with `jarvis-scale` in it, as `npm link` would put it on PATH. */
export function cliBinDir(): string {
  const dir = path.join(stateDir, 'bin');
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'jarvis-scale');
  if (!existsSync(link)) symlinkSync(cliPath, link);
  chmodSync(cliPath, 0o755);
  return dir;
}
