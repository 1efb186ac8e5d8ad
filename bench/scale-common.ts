// Shared pieces of the scaling benchmarks: a clean platform for either driver, history
// timestamps, and distribution summaries.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { autoscaleScheduleId } from '../contracts/scaling';
import { createClients, createOrchestrator } from '../activities';
import { resetPlatform, SERVICE } from '../testkit/platform';
import { repoRoot, testWorkerConfig } from '../testkit/stack';

const execFileAsync = promisify(execFile);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Protobuf timestamp of a history event → epoch ms (the server runs on this machine's clock). */
export function eventMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!time) return NaN;
  return Number(time.seconds ?? 0) * 1000 + Math.round((time.nanos ?? 0) / 1e6);
}

export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99?: number;
  max: number;
}

/** Nearest-rank percentiles; with few values p90 is the second largest of ten, and so on. */
export function distribution(values: number[], withP99 = false): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const round = (v: number) => Math.round(v * 10) / 10;
  const d: Distribution = { n: s.length, min: round(s[0]), p50: round(at(0.5)), p90: round(at(0.9)), max: round(s[s.length - 1]) };
  if (withP99) d.p99 = round(at(0.99));
  return d;
}

/**
 * Terminates scaling workflows, deletes the autoscale schedule and empties nginx, then
 * stops every instance of both drivers with SIGTERM (so each leaves the registry) and
 * removes it.
 */
export async function cleanPlatform(client: Client): Promise<void> {
  await client.schedule
    .getHandle(autoscaleScheduleId(SERVICE))
    .delete()
    .catch(() => undefined);
  const types = ['scaleUp', 'scaleDown', 'drainInstance', 'rollingUpdate', 'autoscaleCheck'].map((t) => `"${t}"`).join(', ');
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = "Running" AND WorkflowType IN (${types})` })) {
    await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate('bench reset')
      .catch(() => undefined);
  }
  const config = testWorkerConfig();
  const clients = createClients(config);
  try {
    // Docker containers are not scoped to a stack: a stack that leaves Docker to another one
    // (JARVIS_WITHOUT_DOCKER=1) must not remove that stack's containers.
    const drivers = process.env.JARVIS_WITHOUT_DOCKER === '1' ? (['process'] as const) : (['docker', 'process'] as const);
    for (const driver of drivers) {
      const orchestrator = createOrchestrator(driver, config, clients);
      const instances = await orchestrator.listInstances(SERVICE).catch(() => []);
      for (const instance of instances) {
        await orchestrator.stopInstance(instance.name, 10);
        await orchestrator.removeInstance(instance.name);
      }
    }
  } finally {
    await clients.close();
  }
  await resetPlatform(client);
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return path.relative(repoRoot, file);
}

/** What every result file records about its run: the commit, the date, nproc, the load before and after. */
export function runRecord(loadBefore: number[]) {
  return {
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    loadAverage: { before: loadBefore, after: os.loadavg() },
  };
}

/** The first line a tool prints for its version flag, on stdout or stderr (nginx uses stderr). */
export async function toolVersion(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { encoding: 'utf8' });
    return `${stdout}${stderr}`.split('\n')[0].trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

/** This process's limit on open files, from /proc (the soft limit, as `ulimit -n` shows it). */
export function openFilesLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return line?.split(/\s{2,}/)[1] ?? 'unknown';
}
