// Reads the kernel's process table: the source of truth for instances run as local
// processes, so an instance whose pid file was never written is still found.
import { promises as fs, readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  env: Record<string, string>;
}

function parseEnviron(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of raw.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
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

/**
 * Live processes whose environment has every key/value in `match`. The reads are
 * synchronous on purpose: a few hundred small /proc files read one by one through the
 * thread pool took 0.4–0.7 s on the loaded 2-core machine (three queued file operations
 * each), read synchronously 0.1–0.2 s, and every orchestrator call starts here
 * (bench/scale-reaction.ts). The cost is that one scan blocks the worker's event loop that long.
 */
export async function findProcesses(match: Record<string, string>): Promise<ProcessEntry[]> {
  const found: ProcessEntry[] = [];
  const needles = Object.entries(match).map(([k, v]) => `${k}=${v}`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let raw: string;
    try {
      raw = readFileSync(`/proc/${name}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    if (!needles.every((needle) => raw.includes(needle))) continue;
    const env = parseEnviron(raw);
    if (!Object.entries(match).every(([k, v]) => env[k] === v)) continue;
    const pid = Number(name);
    if (isInitWrapper(pid)) continue;
    if (await isAlive(pid)) found.push({ pid, env });
  }
  return found;
}

/** Containers run their instance under Docker's init (tini), which shares its environment but is not the instance. */
const INIT_WRAPPERS = new Set(['docker-init', 'tini', 'tini-static']);

function isInitWrapper(pid: number): boolean {
  try {
    return INIT_WRAPPERS.has(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return false;
  }
}
