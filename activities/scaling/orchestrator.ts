// The interface every orchestrator driver implements. Each action is idempotent:
// starting an instance that exists, or removing one that is gone, has no second effect.
import { instanceIndex } from '../../contracts/scaling';
import { guardInstanceName, guardPort, guardServiceName, guardVersion } from '../common/name-guard';

export interface InstanceInfo {
  name: string;
  /** Where the instance is reached (nginx, probes): the container's or task's host, or the process driver's configured host. */
  host: string;
  port: number;
  version: string;
  running: boolean;
  /** The kubernetes driver's: the Pod behind the instance, and its Ready condition as the API reports it (never probed). */
  pod?: string;
  ready?: boolean;
}

export interface StartInstanceRequest {
  service: string;
  name: string;
  port: number;
  version: string;
}

export interface StartInstanceResult extends InstanceInfo {
  created: boolean;
}

export interface StopInstanceResult {
  /** False when the instance was already stopped or gone. */
  stopped: boolean;
  /** True when it outlived its grace period and was killed. */
  forced: boolean;
}

export interface Orchestrator {
  /** Every instance of the service, running or not, so that orphans are visible too. */
  listInstances(service: string): Promise<InstanceInfo[]>;
  ensureInstanceStarted(request: StartInstanceRequest): Promise<StartInstanceResult>;
  /** SIGTERM, then SIGKILL once graceSeconds have passed. */
  stopInstance(name: string, graceSeconds: number): Promise<StopInstanceResult>;
  removeInstance(name: string): Promise<{ removed: boolean }>;
}

/** What every instance is started with, whatever the driver. Holds no secret: those come from the secrets file. */
export interface InstanceLaunchSettings {
  appDir: string;
  startupDelayMs: number;
  shutdownDeadlineMs: number;
  /**
   * Each instance's memory limit, the base of its memory %: every instance is told it
   * (INSTANCE_MEMORY_LIMIT_MB) and a container also gets it as its cgroup limit. Telling it
   * matters where the engine cannot enforce one (no memory controller delegated: the
   * container then reads no limit, and would measure against the host's RAM).
   */
  memoryLimitMb: number;
  redisClusterNodes: string;
  databaseUrl: string;
  readReplicaUrls: string[];
  secretsFile: string;
  /** APP_INSTANCE_HOST: where instance N listens and is reached; `{n}` stands for N. */
  instanceHost: string;
  /** Tells this stack's instances from another stack's on the same machine (the state folder). */
  stackId: string;
}

export const MANAGED_BY = 'jarvis-scale';

/** Every driver checks a start request the same way before it touches anything. */
export function guardStartRequest(request: StartInstanceRequest): void {
  guardServiceName(request.service);
  guardInstanceName(request.name);
  guardVersion(request.version);
  guardPort(request.port);
}

/**
 * The host instance `name` listens on and is reached at. `slot` stands for the number when the
 * name is a template (a Swarm service's `{{.Task.Slot}}`).
 */
export function instanceHost(settings: Pick<InstanceLaunchSettings, 'instanceHost'>, service: string, name: string, slot?: string): string {
  const index = instanceIndex(service, name);
  return settings.instanceHost.replace(/\{n\}/g, slot ?? String(index ?? 1));
}

/** A host reported before instances carried one (old records, old histories): they all listened on 127.0.0.1. */
export const LEGACY_INSTANCE_HOST = '127.0.0.1';

export function instanceEnvironment(
  request: StartInstanceRequest,
  settings: InstanceLaunchSettings,
  slot?: string,
): Record<string, string> {
  return {
    PORT: String(request.port),
    HOST: instanceHost(settings, request.service, request.name, slot),
    INSTANCE_ID: request.name,
    SERVICE_NAME: request.service,
    APP_VERSION: request.version,
    STARTUP_DELAY_MS: String(settings.startupDelayMs),
    SHUTDOWN_DEADLINE_MS: String(settings.shutdownDeadlineMs),
    REDIS_CLUSTER_NODES: settings.redisClusterNodes,
    DATABASE_URL: settings.databaseUrl,
    READ_REPLICA_1_URL: settings.readReplicaUrls[0] ?? '',
    READ_REPLICA_2_URL: settings.readReplicaUrls[1] ?? '',
    JARVIS_SECRETS_FILE: settings.secretsFile,
    INSTANCE_MEMORY_LIMIT_MB: String(settings.memoryLimitMb),
    JARVIS_MANAGED_BY: MANAGED_BY,
    JARVIS_STACK_ID: settings.stackId,
  };
}

export function sortInstances<T extends { name: string }>(instances: T[]): T[] {
  return instances.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
