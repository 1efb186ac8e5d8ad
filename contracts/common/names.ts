// The shared names of ../shared/DESIGN.md. Pure: used by workflows, workers, CLI and tests.

export const TASK_QUEUE = 'jarvis-scaling';
export const NAMESPACE = 'default';

/** Lowercase DNS-label style; it is safe in a container name, an nginx upstream name and a file name. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** The workflow ID that serialises every scaling operation of one service, cooldown included. */
export function scaleMutexId(service: string): string {
  return `scale/${service}`;
}

export function pgFailoverMutexId(cluster: string): string {
  return `pg-failover/${cluster}`;
}

export function redisTopologyMutexId(cluster: string): string {
  return `redis-topology/${cluster}`;
}

export function instanceName(service: string, index: number): string {
  return `${service}-${index}`;
}

/** The index in `jarvis-app-4`, or undefined when the name is not one of the service's instances. */
export function instanceIndex(service: string, name: string): number | undefined {
  const prefix = `${service}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  if (!/^[1-9][0-9]{0,3}$/.test(rest)) return undefined;
  return Number(rest);
}

/** The one health router of a service: a long-running workflow, started idempotently under this ID. */
export function healthRouterId(service: string): string {
  return `health-router/${service}`;
}

/** The one PostgreSQL monitor of a cluster: a long-running workflow, started idempotently under this ID (its mutex). */
export function pgMonitorId(cluster: string): string {
  return `pg-monitor/${cluster}`;
}
