// Instances as the replicas of one Docker Swarm service per scaled service, whose replica
// count is set through dockerode. Single node, host networking: each replica takes its
// port from its task slot (APP_BASE_PORT + {{.Task.Slot}}) and its name is
// <service>-<slot>, so names and ports are the ones the planner gives (policy/scaling/instance-plan.ts).
//
// Which replica goes when the count drops: Swarm does not let the caller choose. On one
// node its replicated orchestrator removes non-running tasks first and otherwise picks
// among running ones in no specified order. So an instance is never removed by lowering
// the count while it runs: stopInstance stops its container (restart policy "none", so
// Swarm does not replace it), and removeInstance lowers the count only while that slot is
// the one that is not running, then waits until Swarm has removed exactly that slot.
//
// Versions: the service carries a label jarvis.version.<slot> per slot, which the task's
// APP_VERSION reads through a template when Swarm creates the task; setting the label and
// the count in one update starts the new slot with its own version and leaves the running
// tasks alone (labels are not part of the task spec).
import type Dockerode from 'dockerode';
import { instanceIndex } from '../../contracts/scaling';
import { FailureType, permanentFailure } from '../common/errors';
import { instanceEnvironment, sortInstances, type InstanceInfo, type InstanceLaunchSettings, type Orchestrator } from './orchestrator';

export const SWARM_LABEL_SERVICE = 'jarvis.swarm.service';
export const SWARM_LABEL_BASE_PORT = 'jarvis.swarm.base-port';
const versionLabel = (slot: number) => `jarvis.version.${slot}`;

export interface SwarmOrchestratorSettings extends InstanceLaunchSettings {
  image: string;
  basePort: number;
  shutdownGraceSeconds: number;
  /** The Swarm service that runs a scaled service's instances (DOCKER_SERVICE_NAME for the first service). */
  swarmServiceName: (service: string) => string;
}

const HOST_RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SwarmTask {
  ID: string;
  Slot?: number;
  DesiredState: string;
  CreatedAt: string;
  Version: { Index: number };
  Status: { State: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

function statusCode(error: unknown): number | undefined {
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

const isRunning = (task: SwarmTask) => task.DesiredState === 'running' && task.Status.State === 'running';
/** Swarm will (re)run this slot's task, or runs it now. */
const isWanted = (task: SwarmTask) => task.DesiredState === 'running' || task.DesiredState === 'ready' || task.DesiredState === 'accepted';

export function createSwarmOrchestrator(docker: Dockerode, settings: SwarmOrchestratorSettings): Orchestrator {
  async function inspectService(service: string): Promise<(Dockerode.Service & { info: any }) | undefined> {
    const handle = docker.getService(settings.swarmServiceName(service));
    try {
      return Object.assign(handle, { info: await handle.inspect() });
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async function tasksOf(service: string): Promise<Map<number, SwarmTask>> {
    const tasks = (await docker.listTasks({ filters: { service: [settings.swarmServiceName(service)] } })) as SwarmTask[];
    return currentTasksBySlot(tasks);
  }

  function serviceSpec(service: string) {
    const env = instanceEnvironment({ service, name: `${service}-{{.Task.Slot}}`, port: 0, version: '' }, settings);
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
            'APP_VERSION={{index .Service.Labels (print "jarvis.version." .Task.Slot)}}',
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
        Networks: [{ Target: 'host' }],
      },
      Mode: { Replicated: { Replicas: 0 } },
    };
  }

  async function ensureService(service: string) {
    const existing = await inspectService(service);
    if (existing) return existing;
    try {
      await docker.createService(serviceSpec(service) as unknown as Dockerode.CreateServiceOptions);
    } catch (error) {
      if (statusCode(error) !== 409) throw error; // created meanwhile
    }
    const created = await inspectService(service);
    if (!created) throw new Error(`Swarm service ${settings.swarmServiceName(service)} vanished right after it was created`);
    return created;
  }

  /**
   * Sets the replica count and labels computed from the service as read, on the version
   * read: a concurrent change makes Docker refuse ("update out of sequence") instead of
   * being overwritten, and the change is computed again from a fresh read. Swarm itself
   * bumps a new service's version once, right after creating it.
   */
  async function updateService(service: string, change: (info: any) => { replicas: number; labels: Record<string, string> }) {
    for (let attempt = 1; ; attempt++) {
      const handle = await inspectService(service);
      if (!handle) throw new Error(`Swarm service ${settings.swarmServiceName(service)} is gone`);
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
        if (attempt >= 5 || !/out of sequence/.test((error as Error).message)) throw error;
        await sleep(100 * attempt);
      }
    }
  }

  async function waitForSlot(service: string, slot: number, present: boolean, timeoutMs: number): Promise<SwarmTask | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = (await tasksOf(service)).get(slot);
      if (present ? task && isWanted(task) : !task) return task;
      if (Date.now() > deadline)
        throw new Error(
          `Swarm did not ${present ? 'create' : 'remove'} slot ${slot} of ${settings.swarmServiceName(service)} within ${timeoutMs} ms`,
        );
      await sleep(200);
    }
  }

  function slotOf(service: string, name: string): number {
    const slot = instanceIndex(service, name);
    if (slot === undefined)
      throw permanentFailure(FailureType.InvalidInput, `${name} is not an instance name of ${service} (expected ${service}-<slot>)`);
    return slot;
  }

  async function containerOf(task: SwarmTask) {
    const id = task.Status.ContainerStatus?.ContainerID;
    if (!id) return undefined;
    try {
      return { container: docker.getContainer(id), info: await docker.getContainer(id).inspect() };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /** Instance names carry the service; the Swarm service is found from the name's prefix. */
  function serviceOfName(name: string): string {
    const match = /^(.*)-(\d+)$/.exec(name);
    if (!match) throw permanentFailure(FailureType.InvalidInput, `${name} is not an instance name (expected <service>-<slot>)`);
    return match[1];
  }

  return {
    async listInstances(service) {
      const handle = await inspectService(service);
      if (!handle) return [];
      const labels: Record<string, string> = handle.info.Spec.Labels ?? {};
      const instances: InstanceInfo[] = [...(await tasksOf(service)).entries()].map(([slot, task]) => ({
        name: `${service}-${slot}`,
        port: settings.basePort + slot,
        version: labels[versionLabel(slot)] ?? 'unknown',
        running: isRunning(task),
      }));
      return sortInstances(instances);
    },

    async ensureInstanceStarted(request) {
      const slot = slotOf(request.service, request.name);
      if (request.port !== settings.basePort + slot) {
        throw permanentFailure(
          FailureType.NameConflict,
          `${request.name} runs as Swarm slot ${slot} on port ${settings.basePort + slot}, not ${request.port}`,
        );
      }
      let handle = await ensureService(request.service);
      let tasks = await tasksOf(request.service);
      const replicas: number = handle.info.Spec.Mode?.Replicated?.Replicas ?? 0;
      if (replicas > tasks.size) {
        // An earlier attempt raised the count and Swarm has not created the task yet.
        await sleep(1000);
        handle = (await inspectService(request.service))!;
        tasks = await tasksOf(request.service);
      }
      const existing = tasks.get(slot);
      const info = { name: request.name, port: request.port, version: request.version };
      if (existing && isWanted(existing))
        return { ...info, version: handle.info.Spec.Labels?.[versionLabel(slot)] ?? request.version, running: true, created: false };
      if (existing) {
        throw permanentFailure(
          FailureType.NameConflict,
          `${request.name} exists in Swarm but has stopped (${existing.Status.State}); remove it before starting it again`,
        );
      }
      let next = 1;
      while (tasks.has(next)) next++;
      if (next !== slot) {
        throw permanentFailure(
          FailureType.NameConflict,
          `Swarm would start slot ${next} next, not ${slot}: ${request.name} cannot be started before ${request.service}-${next}`,
        );
      }
      const slots = tasks.size;
      await updateService(request.service, (info) => ({
        replicas: slots + 1,
        labels: { ...info.Spec.Labels, [versionLabel(slot)]: request.version },
      }));
      await waitForSlot(request.service, slot, true, 20_000);
      return { ...info, running: true, created: true };
    },

    async stopInstance(name, graceSeconds) {
      const service = serviceOfName(name);
      const slot = slotOf(service, name);
      const task = (await tasksOf(service)).get(slot);
      const found = task && (await containerOf(task));
      if (!found?.info.State.Running) return { stopped: false, forced: false };
      try {
        await found.container.stop({ t: Math.ceil(graceSeconds) });
      } catch (error) {
        const code = statusCode(error);
        if (code !== 304 && code !== 404) throw error;
      }
      const after = await found.container.inspect().catch(() => undefined);
      return { stopped: true, forced: after?.State.ExitCode === 137 };
    },

    async removeInstance(name) {
      const service = serviceOfName(name);
      const slot = slotOf(service, name);
      const handle = await inspectService(service);
      if (!handle) return { removed: false };
      let task = (await tasksOf(service)).get(slot);
      if (!task) return { removed: false };
      // Stop it first (at once: a graceful stop is stopInstance's job), so that it is the
      // slot Swarm removes when the count drops.
      const found = await containerOf(task);
      if (found?.info.State.Running)
        await found.container.kill().catch((error) => {
          if (statusCode(error) !== 409 && statusCode(error) !== 404) throw error;
        });
      const deadline = Date.now() + 20_000;
      while (task && isRunning(task) && Date.now() < deadline) {
        await sleep(200);
        task = (await tasksOf(service)).get(slot);
      }
      if (task && isRunning(task)) throw new Error(`Swarm still reports ${name} running after it was killed`);
      // Lower the count while this slot is a stopped one; Swarm removes stopped slots first.
      for (let attempt = 0; task && attempt < 5; attempt++) {
        const tasks = await tasksOf(service);
        if (!tasks.has(slot)) break;
        await updateService(service, (info) => {
          const { [versionLabel(slot)]: _gone, ...labels } = info.Spec.Labels ?? {};
          return { replicas: Math.max(0, tasks.size - 1), labels };
        });
        task = await waitForSlot(service, slot, false, 20_000).catch(() => tasks.get(slot));
      }
      if (task) throw new Error(`Swarm kept slot ${slot} of ${settings.swarmServiceName(service)} after the count was lowered`);
      return { removed: true };
    },
  };
}
