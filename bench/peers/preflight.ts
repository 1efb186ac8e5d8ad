// What the failover bench refuses before it changes anything: a run count under 3, a peer
// binary that is not installed (naming the install step), and a port of its own that
// another program (another stack, an earlier bench) already holds.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';

export const MIN_ROUNDS = 3;
const INSTALL = 'bash infra/local/install-deps.sh bench-peers';

export class PreflightError extends Error {}

export function checkRounds(rounds: number, flag = '--rounds'): void {
  if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS)
    throw new PreflightError(`${flag} must be a whole number of at least ${MIN_ROUNDS} (got ${String(rounds)}): fewer rounds give no p90`);
}

/** Each binary must exist and be executable; `install` is the step that installs them. */
export function checkBinaries(binaries: Record<string, string>, install = INSTALL): void {
  for (const [what, file] of Object.entries(binaries)) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      throw new PreflightError(`${what} is not installed (${file} is missing): run \`${install}\` first`);
    }
  }
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** The program listening on a port (from `ss`), or null when `ss` does not say. */
export function listener(port: number): { name: string; pid: number } | null {
  try {
    const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const proc = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    return proc ? { name: proc[1], pid: Number(proc[2]) } : null;
  } catch {
    return null;
  }
}

export function holder(port: number): string {
  const proc = listener(port);
  return proc ? `${proc.name} (pid ${proc.pid})` : 'another program';
}

/** Every port the bench is about to listen on must be free; `ports` maps each to what it is for. */
export async function checkPortsFree(ports: Record<number, string>): Promise<void> {
  const held = (await Promise.all(Object.keys(ports).map(async (p) => ((await listening(Number(p))) ? Number(p) : 0)))).filter(Boolean);
  if (held.length > 0) {
    const list = held.map((p) => `${p} (${ports[p]}) held by ${holder(p)}`).join('; ');
    throw new PreflightError(
      `another stack or bench holds this bench's ports: ${list}. Stop it first (its own \`bash infra/local/stack.sh down\`, or end an earlier bench), then run again`,
    );
  }
}

/** Our stack must be up: its servers are the "ours" side. */
export async function checkOursUp(ports: Record<number, string>): Promise<void> {
  for (const [p, what] of Object.entries(ports))
    if (!(await listening(Number(p))))
      throw new PreflightError(
        `${what} on 127.0.0.1:${p} does not answer: start this stack first (bash infra/local/stack.sh services with your env)`,
      );
}
