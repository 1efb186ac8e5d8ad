// What the reshard bench refuses before it moves anything: redis-cli missing (naming the
// install step), and a Redis or Temporal port of this environment that answers but belongs to
// another stack (its state folder is not this one's), or that nothing answers on.
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { checkBinaries, listener, listening, PreflightError } from '../peers/preflight';
import { ports } from '../../testkit/ports';
import { stateDir } from '../../testkit/stack';

const REDIS_CLI_INSTALL = 'apt-get install redis-tools (or bash infra/local/install-deps.sh, which installs it)';

/** The first executable redis-cli on PATH; the preflight fails naming the install step when there is none. */
export function redisCliPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const dir of dirs) {
    try {
      checkBinaries({ 'redis-cli': path.join(dir, 'redis-cli') }, REDIS_CLI_INSTALL);
      return path.join(dir, 'redis-cli');
    } catch {
      // not in this folder; try the next
    }
  }
  checkBinaries({ 'redis-cli': 'redis-cli (on PATH)' }, REDIS_CLI_INSTALL);
  return 'redis-cli';
}

/** Where a process runs and how it was started, to tell which stack it belongs to. */
function processPlace(pid: number): string {
  try {
    return `${readlinkSync(`/proc/${pid}/cwd`)} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
  } catch {
    return '';
  }
}

/** Each port must answer and be held by a process of this stack (its cwd or command line names JARVIS_STATE_DIR). */
export async function checkOwnStack(): Promise<void> {
  const wanted: Record<number, string> = { [ports.temporal]: 'Temporal' };
  for (const p of ports.redis) wanted[p] = 'Redis';
  const root = path.resolve(stateDir);
  for (const [p, what] of Object.entries(wanted)) {
    const port = Number(p);
    if (!(await listening(port)))
      throw new PreflightError(
        `${what} on 127.0.0.1:${port} does not answer: start this stack first (bash infra/local/stack.sh services with your env)`,
      );
    const proc = listener(port);
    if (proc && !processPlace(proc.pid).includes(root))
      throw new PreflightError(
        `another stack holds ${what}'s port ${port}: ${proc.name} (pid ${proc.pid}) does not run from this stack's state folder ${root}. ` +
          'Stop that stack (its own `bash infra/local/stack.sh down`), or run with the ports and JARVIS_STATE_DIR of the stack you mean',
      );
  }
}
