// Every bench's preflight, before it changes anything (the rules are testkit/bench/preflight-rules.ts):
// refuses a run count under 3, a missing tool (naming its install step), and ports that another
// stack holds. A refusal prints one message and exits 2.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { ports } from '../ports';
import { stateDir } from '../stack';
import { vegetaPath } from './vegeta';
import {
  BenchRefusal,
  missingTools,
  parseListeners,
  portProblems,
  refusal,
  runCount,
  type PortUse,
  type ToolNeed,
} from './preflight-rules';

export { BenchRefusal, runCount, type PortUse, type ToolNeed };

const run = promisify(execFile);

/** This stack's services a bench drives, as ports it must find answering from this stack. */
export function stackPorts(...parts: Array<'temporal' | 'postgres' | 'redis' | 'nginx' | 'prometheus'>): PortUse[] {
  const all: Record<string, PortUse[]> = {
    temporal: [{ port: ports.temporal, what: 'Temporal', use: 'ours' }],
    postgres: [
      { port: ports.pgPrimary, what: 'PostgreSQL primary', use: 'ours' },
      { port: ports.pgReplica1, what: 'PostgreSQL replica1', use: 'ours' },
      { port: ports.pgReplica2, what: 'PostgreSQL replica2', use: 'ours' },
    ],
    redis: ports.redis.map((port, i) => ({ port, what: `Redis node ${i + 1}`, use: 'ours' as const })),
    nginx: [{ port: ports.nginx, what: 'the load balancer', use: 'ours' }],
    prometheus: [{ port: ports.prometheus, what: 'Prometheus', use: 'ours' }],
  };
  return parts.flatMap((p) => all[p]);
}

export const vegeta: ToolNeed = { what: 'vegeta', file: vegetaPath(), install: 'bash infra/local/install-deps.sh vegeta' };

/** The docker driver needs a usable Docker; a stack without it (JARVIS_WITHOUT_DOCKER=1) refuses the driver by name. */
export function dockerDriverAllowed(drivers: readonly string[]): () => void {
  return () => {
    if (drivers.includes('docker') && process.env.JARVIS_WITHOUT_DOCKER === '1')
      throw new BenchRefusal(
        "the docker driver needs Docker, which this stack goes without (JARVIS_WITHOUT_DOCKER=1): leave 'docker' out of --drivers, " +
          'or run on a stack with Docker (bash infra/local/install-deps.sh installs docker.io)',
      );
  };
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A holder is this stack's when its command line or working folder lies in this stack's state folder. */
function startedHere(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(stateDir) || readlinkSync(`/proc/${pid}/cwd`).startsWith(stateDir);
  } catch {
    return false;
  }
}

async function listeners() {
  const { stdout } = await run('ss', ['-ltnpH'], { encoding: 'utf8' });
  return parseListeners(stdout);
}

export interface Preflight {
  /** The bench's name, first in the message. */
  bench: string;
  ports?: PortUse[];
  tools?: ToolNeed[];
  /** Checks that read the arguments: each throws BenchRefusal (runCount does). */
  inputs?: Array<() => void>;
}

/** Throws BenchRefusal with every problem found, or returns when the bench may run. */
export async function preflight(p: Preflight): Promise<void> {
  const problems: string[] = [];
  for (const check of p.inputs ?? []) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof BenchRefusal)) throw error;
      problems.push(error.message);
    }
  }
  problems.push(...missingTools(p.tools ?? [], executable));
  let portTrouble = false;
  if (p.ports?.length) {
    const found = await listeners();
    const own = new Set(found.flatMap((l) => l.holders.map((h) => h.pid)).filter(startedHere));
    const held = portProblems(p.ports, found, own);
    portTrouble = held.length > 0;
    problems.push(...held);
  }
  if (problems.length) throw new BenchRefusal(refusal(p.bench, problems, portTrouble ? stateDir : undefined));
}

/** A bench's last word: a refusal prints its message alone and exits 2; anything else, its stack, exit 1. */
export function benchFailed(error: unknown): never {
  if (error instanceof BenchRefusal) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
