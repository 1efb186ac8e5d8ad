// Two test lanes, two stacks: test/run-all.sh starts a second stack on other ports and runs
// `node --test --test-concurrency=4 --require dist/testkit/lane.js`. Each test file's process
// loads this module first (the runner forwards --require), takes a free lane and, for lane B,
// puts that stack's settings into process.env before any other module reads them. Most tests
// wait on timers and services rather than the CPU, so two lanes on two cores nearly halve the
// wall time. The runner starts four files at once, not two: a file waiting for lane A must not
// hold the slot lane B's next file needs, and the files that use no stack take no lane.
// Without JARVIS_TEST_LANE_B (one file run by hand) this module does nothing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files that need lane A, the main test stack: they use the one Docker Engine (containers,
 * Swarm), the Kubernetes control plane's fixed ports, the several-hosts addresses, or they
 * crash the Temporal server and the worker of their stack on purpose (chaos), which a
 * neighbour's timers would make slower than it is, or they run the docs' recipes as written.
 */
const LANE_A_ONLY = [
  /\/test\/kubernetes\//,
  /\/test\/hosts\//,
  /\/test\/chaos\//,
  /\/test\/infra\/(leftover-containers|remove-own-containers|deployment-files|compose-swarm-files)\.test\.js$/,
  /\/test\/workflows\/(swarm-driver|swarm-stack|scaling-crash-points|scale-up|health-scores)\.test\.js$/,
  /\/test\/integration\/admin-api\.test\.js$/,
  /\/test\/security\/secret-scan\.test\.js$/,
  // The docs' recipes are run as written, and they name the default ports.
  /docs-[a-z-]*recipes?\.test\.js$/,
];

/** Files that start no service and read no stack's settings: they run beside both lanes. */
const NO_LANE = [/\/test\/unit\//, /\/test\/replay\//];

/**
 * The longest lane-A files (about 280 s and 190 s in a warm run): started first, so lane A's
 * tail is the short files, not them.
 */
const LONGEST_FIRST = [/\/test\/chaos\/chaos\.test\.js$/, /\/test\/workflows\/scaling-crash-points\.test\.js$/, /\/test\/hosts\//];

export function needsNoLane(file: string): boolean {
  return NO_LANE.some((pattern) => pattern.test(file));
}

export function needsLaneA(file: string): boolean {
  return LANE_A_ONLY.some((pattern) => pattern.test(file));
}

/**
 * The runner starts files in the order given, two at a time. Spreading the lane-A files
 * evenly through the list keeps a slot from waiting on lane A while the other holds it.
 * Array.prototype.sort is stable, so files keep their order otherwise.
 */
export function orderForLanes(files: readonly string[]): string[] {
  // The Kubernetes files last: on a new machine they wait for the control plane's build, which
  // runs beside the other tests (test/run-all.sh).
  const rank = (file: string) => {
    if (file.includes('/test/kubernetes/')) return 2;
    return LONGEST_FIRST.some((pattern) => pattern.test(file)) ? 0 : 1;
  };
  const onlyA = files.filter(needsLaneA).sort((a, b) => rank(a) - rank(b));
  const either = files.filter((file) => !needsLaneA(file));
  const ordered: string[] = [];
  const step = either.length / Math.max(onlyA.length, 1);
  onlyA.forEach((file, i) => {
    ordered.push(file, ...either.slice(Math.round(i * step), Math.round((i + 1) * step)));
  });
  if (onlyA.length === 0) ordered.push(...either);
  return ordered;
}

/** KEY=VALUE lines, as infra/local/common.sh reads them from the environment. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function lockHolder(lockDir: string): number | undefined {
  try {
    return Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** mkdir is atomic: the lane is ours when we made its lock folder, or its holder is dead. */
function tryTake(lockDir: string): boolean {
  try {
    mkdirSync(lockDir);
  } catch {
    const holder = lockHolder(lockDir);
    // No pid yet: its taker is between mkdir and writeFile.
    if (holder === undefined || alive(holder)) return false;
    rmSync(lockDir, { recursive: true, force: true });
    return tryTake(lockDir);
  }
  writeFileSync(join(lockDir, 'pid'), String(process.pid));
  process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
  return true;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function takeLane(file: string, laneBEnvFile: string): void {
  if (needsNoLane(file)) return;
  const laneB = parseEnvFile(readFileSync(laneBEnvFile, 'utf8'));
  const lockA = join(process.env.JARVIS_STATE_DIR ?? '.state-test', 'lane.lock');
  const lockB = join(laneB.JARVIS_STATE_DIR, 'lane.lock');
  const onlyA = needsLaneA(file);
  // Synchronous on purpose: this runs before the test file's own modules load.
  for (;;) {
    if (!onlyA && tryTake(lockB)) {
      Object.assign(process.env, laneB);
      return;
    }
    if (tryTake(lockA)) return;
    Atomics.wait(pause, 0, 0, 200);
  }
}

const laneBEnvFile = process.env.JARVIS_TEST_LANE_B;
// NODE_TEST_CONTEXT marks the runner's child processes, one per test file; the runner itself takes no lane.
if (laneBEnvFile && process.env.NODE_TEST_CONTEXT && process.argv[1]) takeLane(process.argv[1], laneBEnvFile);
