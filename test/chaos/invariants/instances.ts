// Instance invariants, read from the kernel's process table and nginx's upstream file,
// independently of the workflows: the count stays in [min, max] (max + 1 only during a
// rolling update), no instance runs twice or outside the upstream, and every upstream
// member is alive and ready.
import { MANAGED_BY } from '../../../activities/scaling/orchestrator';
import { findProcesses } from '../../../activities/common/process-table';
import { listContainers, upstreamMembers } from '../../../testkit/platform';
import { ports } from '../../../testkit/ports';
import { testWorkerConfig } from '../../../testkit/stack';
import { broken, held, sleep, type InvariantResult } from './types';

export interface InstanceProcess {
  pid: number;
  name: string;
  port: number;
  version: string;
}

export interface InstanceBounds {
  min: number;
  max: number;
}

/** Every live instance process of this stack and service, duplicates included. */
export async function instanceProcesses(service: string): Promise<InstanceProcess[]> {
  const found = await findProcesses({ JARVIS_MANAGED_BY: MANAGED_BY, JARVIS_STACK_ID: testWorkerConfig().stateDir, SERVICE_NAME: service });
  return found
    .map((p) => ({ pid: p.pid, name: p.env.INSTANCE_ID, port: Number(p.env.PORT), version: p.env.APP_VERSION }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function countWithinBounds(count: number, bounds: InstanceBounds, duringUpdate: boolean): InvariantResult {
  const ceiling = bounds.max + (duringUpdate ? 1 : 0);
  const detail = `${count} instances, allowed [${bounds.min}, ${ceiling}]`;
  return count >= bounds.min && count <= ceiling
    ? held('instance count within bounds', detail)
    : broken('instance count within bounds', detail);
}

/** Samples the distinct instance count while an operation runs: the lowest and highest seen. */
export class InstanceCountSampler {
  min = Infinity;
  max = 0;
  samples = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly service: string) {}

  start(intervalMs = 300): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const names = new Set((await instanceProcesses(this.service)).map((p) => p.name));
        this.samples += 1;
        this.min = Math.min(this.min, names.size);
        this.max = Math.max(this.max, names.size);
        await sleep(intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Whether every sample stayed in bounds. */
  result(bounds: InstanceBounds, duringUpdate: boolean): InvariantResult {
    if (this.samples === 0) return broken('instance count within bounds during the trial', 'no sample taken');
    const low = countWithinBounds(this.min, bounds, duringUpdate);
    const high = countWithinBounds(this.max, bounds, duringUpdate);
    const detail = `seen between ${this.min} and ${this.max} instances over ${this.samples} samples, allowed [${bounds.min}, ${bounds.max + (duringUpdate ? 1 : 0)}]`;
    return low.ok && high.ok
      ? held('instance count within bounds during the trial', detail)
      : broken('instance count within bounds during the trial', detail);
  }
}

/**
 * No instance name or port used by two processes, every process is in nginx's upstream with
 * its port and nothing else is, and the orchestrator knows exactly those instances (under
 * Docker, a stopped container left behind is an orphan too).
 */
export async function noOrphanOrDuplicate(service: string): Promise<InvariantResult> {
  const name = 'no orphan or duplicate instance';
  const processes = await instanceProcesses(service);
  const members = await upstreamMembers(service);
  const problems: string[] = [];
  const seen = (key: (p: InstanceProcess) => string | number) => {
    const counts = new Map<string | number, number>();
    for (const p of processes) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
    return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
  };
  const dupNames = seen((p) => p.name);
  const dupPorts = seen((p) => p.port);
  if (dupNames.length) problems.push(`duplicate instance names: ${dupNames.join(', ')}`);
  if (dupPorts.length) problems.push(`duplicate ports: ${dupPorts.join(', ')}`);
  for (const p of processes) {
    const member = members.find((m) => m.name === p.name);
    if (!member) problems.push(`orphan: ${p.name} (pid ${p.pid}, port ${p.port}) runs but is not in the upstream`);
    else if (member.port !== p.port) problems.push(`${p.name} runs on ${p.port} but the upstream says ${member.port}`);
  }
  for (const m of members)
    if (!processes.some((p) => p.name === m.name)) problems.push(`upstream member ${m.name}:${m.port} has no process`);
  for (const instance of await listContainers(service)) {
    if (!processes.some((p) => p.name === instance.name))
      problems.push(
        `orphan: the orchestrator still has ${instance.name} (${instance.running ? 'running' : 'stopped'}) with no live process`,
      );
  }
  const detail = `${processes.length} processes (${processes.map((p) => `${p.name}:${p.port}@${p.version}`).join(', ')}), upstream ${members.map((m) => `${m.name}:${m.port}`).join(', ') || 'empty'}`;
  return problems.length ? broken(name, `${problems.join('; ')} — ${detail}`) : held(name, detail);
}

/** Every upstream member answers /api/health with 200 (alive and ready), and requests through nginx succeed. */
export async function upstreamAliveAndReady(service: string, requests = 6): Promise<InvariantResult> {
  const name = 'every upstream member alive and ready';
  const members = await upstreamMembers(service);
  const problems: string[] = [];
  for (const m of members) {
    const status = await fetch(`http://127.0.0.1:${m.port}/api/health`, { signal: AbortSignal.timeout(3_000) }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      (e: Error) => `unreachable (${e.message})`,
    );
    if (status !== 200) problems.push(`${m.name}:${m.port} health ${status}`);
  }
  let ok = 0;
  for (let i = 0; i < requests; i++) {
    const status = await fetch(`http://127.0.0.1:${ports.nginx}/api/ping`, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(3_000),
    }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    );
    if (status === 200) ok += 1;
  }
  if (members.length > 0 && ok !== requests) problems.push(`${requests - ok} of ${requests} requests through nginx failed`);
  const detail = `${members.length} members healthy; ${ok}/${requests} requests through nginx answered 200`;
  return problems.length ? broken(name, problems.join('; ')) : held(name, detail);
}
