// The pure half of every bench's preflight (testkit/bench/preflight.ts does the I/O): what a
// bench refuses before it changes anything, as messages that name the problem and the fix.
//   - a run count under MIN_RUNS (fewer give no p90; --quick runs MIN_RUNS, never fewer);
//   - a tool it needs that is not installed, naming the install step;
//   - a port it uses that another stack holds (a port of "this stack" answered by a process
//     this stack's state folder did not start, or a port the bench will open already taken).

export const MIN_RUNS = 3;

/** A refusal: bad input or a machine not ready; the bench exits 2 and changes nothing. */
export class BenchRefusal extends Error {}

/** The run count from its flag's text; refuses anything but a whole number of at least MIN_RUNS. */
export function runCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < MIN_RUNS)
    throw new BenchRefusal(
      `--${flag} must be a whole number of at least ${MIN_RUNS} (got '${text}'): fewer runs give no p90 ` +
        `(--quick runs ${MIN_RUNS}, never fewer)`,
    );
  return n;
}

export interface ToolNeed {
  /** What it is, for the message: "vegeta", "pg_autoctl (pg_auto_failover)". */
  what: string;
  /** The executable's path. */
  file: string;
  /** The command that installs it. */
  install: string;
}

/** One message per missing tool; `installed` says whether a file is there and executable. */
export function missingTools(needs: readonly ToolNeed[], installed: (file: string) => boolean): string[] {
  return needs
    .filter((n) => !installed(n.file))
    .map((n) => `${n.what} is not installed (${n.file} is missing): install it with \`${n.install}\``);
}

/** A listening socket as `ss -ltnpH` shows it: the port and every process that holds it. */
export interface Listener {
  port: number;
  holders: Array<{ command: string; pid: number }>;
}

/** Parses `ss -ltnpH` (one line per listening socket, the local address in the 4th column). */
export function parseListeners(ssOutput: string): Listener[] {
  const out: Listener[] = [];
  for (const line of ssOutput.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const port = Number(/:(\d+)$/.exec(cols[3] ?? '')?.[1]);
    if (!Number.isInteger(port) || port <= 0) continue;
    const holders = [...line.matchAll(/\("([^"]+)",pid=(\d+)/g)].map((m) => ({ command: m[1], pid: Number(m[2]) }));
    out.push({ port, holders });
  }
  return out;
}

/**
 * How a bench uses a port:
 *   ours        this stack's service: it must answer, from a process this stack started;
 *   free        the bench opens it: nothing may listen there;
 *   oursOrFree  the bench starts it unless this stack already runs it (a reused control plane).
 */
export interface PortUse {
  port: number;
  what: string;
  use: 'ours' | 'free' | 'oursOrFree';
}

const held = (l: Listener) => l.holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ') || 'another program';

/** The ports problems, one message each; `ownPids` are the holders this stack's state folder started. */
export function portProblems(uses: readonly PortUse[], listeners: readonly Listener[], ownPids: ReadonlySet<number>): string[] {
  const problems: string[] = [];
  for (const u of uses) {
    const l = listeners.find((x) => x.port === u.port);
    const ours = l !== undefined && l.holders.some((h) => ownPids.has(h.pid));
    if (!l && u.use === 'ours') problems.push(`${u.what} on port ${u.port} does not answer: start this stack first`);
    else if (l && u.use === 'free') problems.push(`port ${u.port} (${u.what}) is held by ${held(l)}`);
    else if (l && !ours && u.use !== 'free' && l.holders.length > 0)
      problems.push(`port ${u.port} (${u.what}) is held by ${held(l)}, which this stack did not start`);
  }
  return problems;
}

/** The one message a bench prints when it refuses. */
export function refusal(bench: string, problems: readonly string[], stateDir?: string): string {
  const lines = [`${bench}: refused, nothing was changed:`, ...problems.map((p) => `  - ${p}`)];
  if (stateDir !== undefined)
    lines.push(
      `  (this stack's state folder is ${stateDir}: stop the other stack with its own env and \`bash infra/local/stack.sh down\`, ` +
        'or give this bench ports of its own)',
    );
  return lines.join('\n');
}
