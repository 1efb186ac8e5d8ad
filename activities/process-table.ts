// Reads the kernel's process table: the source of truth for instances run as local
// processes, so an instance whose pid file was never written is still found.
import { promises as fs } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  env: Record<string, string>;
}

async function readEnviron(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const raw = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    const env: Record<string, string> = {};
    for (const pair of raw.split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return env;
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** A zombie has exited; only its parent has not collected it yet. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose environment has every key/value in `match`. */
export async function findProcesses(match: Record<string, string>): Promise<ProcessEntry[]> {
  // All at once: read one by one, a few hundred environ files took seconds on a loaded
  // machine, and every orchestrator call starts here (bench/scale-reaction.ts).
  const pids = (await fs.readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const entries = await Promise.all(
    pids.map(async (pid) => {
      const env = await readEnviron(pid);
      if (!env || !Object.entries(match).every(([k, v]) => env[k] === v)) return undefined;
      return (await isAlive(pid)) ? { pid, env } : undefined;
    }),
  );
  return entries.filter((e): e is ProcessEntry => e !== undefined);
}
