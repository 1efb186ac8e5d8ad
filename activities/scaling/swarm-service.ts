// The Swarm service behind one scaled service, as the Swarm driver (swarm-orchestrator.ts)
// reads and changes it: its spec, its tasks per slot, and a versioned update that is
// computed again from a fresh read when another change got in first.
import type Dockerode from 'dockerode';
import { heartbeatProgress, pause } from '../common/cancellation';
import { instanceEnvironment, type InstanceLaunchSettings } from './orchestrator';

export const SWARM_LABEL_SERVICE = 'jarvis.swarm.service';
export const SWARM_LABEL_BASE_PORT = 'jarvis.swarm.base-port';
export const versionLabel = (slot: number) => `jarvis.version.${slot}`;
/** The version of a slot that has no label of its own: one Swarm starts itself (docker service scale). */
export const SWARM_LABEL_VERSION = 'jarvis.version';
/**
 * APP_VERSION of a task, read when Swarm creates it: its slot's label, else the service's
 * version label. The service keeps the version the driver last started as that label, so a
 * replica added with `docker service scale` runs that version instead of an empty one.
 */
export const APP_VERSION_TEMPLATE = `{{with index .Service.Labels (print "jarvis.version." .Task.Slot)}}{{.}}{{else}}{{index .Service.Labels "${SWARM_LABEL_VERSION}"}}{{end}}`;

export interface SwarmOrchestratorSettings extends InstanceLaunchSettings {
  image: string;
  basePort: number;
  shutdownGraceSeconds: number;
  /** The Swarm service that runs a scaled service's instances (DOCKER_SERVICE_NAME for the first service). */
  swarmServiceName: (service: string) => string;
}

const HOST_RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];

/** The parts of Docker's service inspect answer the driver reads (dockerode types it as any). */
export interface SwarmServiceInfo {
  Version: { Index: number };
  Spec: {
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    TaskTemplate?: { ContainerSpec?: { Env?: string[] } };
  } & Record<string, unknown>;
}

/** The APP_BASE_PORT the service gives its tasks (replica N listens on it + N), when it sets one. */
export function servicePortBase(info: SwarmServiceInfo): number | undefined {
  const entry = info.Spec.TaskTemplate?.ContainerSpec?.Env?.find((e) => e.startsWith('APP_BASE_PORT='));
  return entry === undefined ? undefined : Number(entry.slice('APP_BASE_PORT='.length));
}

export interface SwarmTask {
  ID: string;
  Slot?: number;
  DesiredState: string;
  CreatedAt: string;
  Version: { Index: number };
  Status: { State: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

export function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/** The newest task of each slot that Swarm still counts (not being removed). */
function currentTasksBySlot(tasks: SwarmTask[]): Map<number, SwarmTask> {
  const bySlot = new Map<number, SwarmTask>();
  for (const task of tasks) {
    if (!task.Slot || task.DesiredState === 'remove') continue;
    const known = bySlot.get(task.Slot);
    if (!known || task.Version.Index > known.Version.Index) bySlot.set(task.Slot, task);
  }
  return bySlot;
}

export const isRunning = (task: SwarmTask) => task.DesiredState === 'running' && task.Status.State === 'running';
/** Swarm will (re)run this slot's task, or runs it now. */
export const isWanted = (task: SwarmTask) =>
  task.DesiredState === 'running' || task.DesiredState === 'ready' || task.DesiredState === 'accepted';

function serviceSpec(service: string, settings: SwarmOrchestratorSettings) {
  const env = instanceEnvironment({ service, name: `${service}-{{.Task.Slot}}`, port: 0, version: '' }, settings, '{{.Task.Slot}}');
  delete (env as Record<string, string>).PORT;
  return {
    Name: settings.swarmServiceName(service),
    Labels: { [SWARM_LABEL_SERVICE]: service, [SWARM_LABEL_BASE_PORT]: String(settings.basePort) },
    TaskTemplate: {
      ContainerSpec: {
        Image: settings.image,
        Command: ['/usr/bin/node', '/app/dist/app/server.js'],
        Env: [
          ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
          `APP_BASE_PORT=${settings.basePort}`,
          'INSTANCE_SLOT={{.Task.Slot}}',
          `APP_VERSION=${APP_VERSION_TEMPLATE}`,
        ],
        Mounts: [
          ...HOST_RUNTIME_MOUNTS.map((dir) => ({ Type: 'bind', Source: dir, Target: dir, ReadOnly: true })),
          { Type: 'bind', Source: settings.appDir, Target: '/app', ReadOnly: true },
          { Type: 'bind', Source: settings.secretsFile, Target: settings.secretsFile, ReadOnly: true },
        ],
        StopSignal: 'SIGTERM',
        StopGracePeriod: settings.shutdownGraceSeconds * 1e9,
        // As for the docker driver: an init forwards a stop signal that comes during boot.
        Init: true,
      },
      // A stopped replica stays stopped: the driver, not Swarm, decides what runs.
      RestartPolicy: { Condition: 'none' },
      // The replicas' cgroup limit, which they read back as the base of their memory %.
      Resources: { Limits: { MemoryBytes: settings.memoryLimitMb * 1024 * 1024 } },
      Networks: [{ Target: 'host' }],
    },
    Mode: { Replicated: { Replicas: 0 } },
  };
}

export type SwarmHandle = Dockerode.Service & { info: SwarmServiceInfo };

export function swarmServices(docker: Dockerode, settings: SwarmOrchestratorSettings) {
  const swarmName = settings.swarmServiceName;

  async function inspect(service: string): Promise<SwarmHandle | undefined> {
    const handle = docker.getService(swarmName(service));
    try {
      return Object.assign(handle, { info: (await handle.inspect()) as SwarmServiceInfo });
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async function tasksOf(service: string): Promise<Map<number, SwarmTask>> {
    const tasks = (await docker.listTasks({ filters: { service: [swarmName(service)] } })) as SwarmTask[];
    return currentTasksBySlot(tasks);
  }

  async function ensure(service: string): Promise<SwarmHandle> {
    const existing = await inspect(service);
    if (existing) return existing;
    try {
      await docker.createService(serviceSpec(service, settings) as unknown as Dockerode.CreateServiceOptions);
    } catch (error) {
      if (statusCode(error) !== 409) throw error; // created meanwhile
    }
    const created = await inspect(service);
    if (!created) throw new Error(`Swarm service ${swarmName(service)} vanished right after it was created`);
    return created;
  }

  /**
   * Sets the replica count and labels computed from the service as read, on the version
   * read. Docker refuses an update whose version is not the current one; whether that is
   * what happened is read from the service itself (its version moved on), not from the
   * error's text, and the change is then computed again from the fresh read. Swarm itself
   * bumps a new service's version once, right after creating it.
   */
  async function update(service: string, change: (info: SwarmServiceInfo) => { replicas: number; labels: Record<string, string> }) {
    for (let attempt = 1; ; attempt++) {
      const handle = await inspect(service);
      if (!handle) throw new Error(`Swarm service ${swarmName(service)} is gone`);
      const { replicas, labels } = change(handle.info);
      try {
        await handle.update({
          version: handle.info.Version.Index,
          ...handle.info.Spec,
          Labels: labels,
          Mode: { Replicated: { Replicas: replicas } },
        });
        return;
      } catch (error) {
        const now = await inspect(service);
        const conflict = now !== undefined && now.info.Version.Index !== handle.info.Version.Index;
        if (attempt >= 5 || !conflict) throw error;
        await pause(100 * attempt);
      }
    }
  }

  /** Waits until Swarm has created (or removed) the slot's task; each poll is a heartbeat, and a cancel ends the wait. */
  async function waitForSlot(service: string, slot: number, present: boolean, timeoutMs: number): Promise<SwarmTask | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = (await tasksOf(service)).get(slot);
      if (present ? task && isWanted(task) : !task) return task;
      if (Date.now() > deadline)
        throw new Error(`Swarm did not ${present ? 'create' : 'remove'} slot ${slot} of ${swarmName(service)} within ${timeoutMs} ms`);
      heartbeatProgress({ slot, state: task?.Status.State ?? 'absent' });
      await pause(200);
    }
  }

  return { inspect, tasksOf, ensure, update, waitForSlot };
}

export type SwarmServices = ReturnType<typeof swarmServices>;
