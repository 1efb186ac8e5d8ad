// The memory limit an instance's memory % is measured against: its own limit, never the
// host's whole RAM (on which a leaking instance would read 3 % until the kernel kills it).
// - INSTANCE_MEMORY_LIMIT_MB when the control plane sets it (the process driver does);
// - else the cgroup's limit: a container's (Docker HostConfig.Memory, a Swarm or Kubernetes
//   memory limit), from cgroup v2's memory.max or v1's memory.limit_in_bytes;
// - else, with neither, the host's memory, and the source says so.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export type MemoryLimitSource = 'INSTANCE_MEMORY_LIMIT_MB' | 'cgroup' | 'host';

export interface MemoryLimit {
  bytes: number;
  source: MemoryLimitSource;
}

type ReadText = (path: string) => string | undefined;

const readOrUndefined: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

// cgroup v1 reports "no limit" as a page-rounded 2^63 - 1; anything past 2^60 is no limit.
const UNLIMITED_V1 = 2 ** 60;

/** The limit of this process's own cgroup, in bytes; undefined when it has none. */
export function cgroupMemoryLimitBytes(read: ReadText = readOrUndefined): number | undefined {
  const membership = read('/proc/self/cgroup') ?? '';
  const v2 = membership.split('\n').find((line) => line.startsWith('0::'));
  if (v2 !== undefined) {
    const dir = v2.slice(3).trim();
    // Inside a container's cgroup namespace the path is "/"; on a host it is the full path.
    const limit = read(`/sys/fs/cgroup${dir === '/' ? '' : dir}/memory.max`)?.trim();
    if (limit && limit !== 'max' && /^\d+$/.test(limit)) return Number(limit);
    return undefined;
  }
  const v1 = read('/sys/fs/cgroup/memory/memory.limit_in_bytes')?.trim();
  if (v1 && /^\d+$/.test(v1) && Number(v1) < UNLIMITED_V1) return Number(v1);
  return undefined;
}

export function resolveMemoryLimit(configuredMb: number | undefined, read: ReadText = readOrUndefined): MemoryLimit {
  if (configuredMb !== undefined) return { bytes: configuredMb * 1024 * 1024, source: 'INSTANCE_MEMORY_LIMIT_MB' };
  const cgroup = cgroupMemoryLimitBytes(read);
  if (cgroup !== undefined) return { bytes: cgroup, source: 'cgroup' };
  return { bytes: os.totalmem(), source: 'host' };
}
