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
// tasks alone (labels are not part of the task spec). The same update sets the service's
// label jarvis.version, which a slot without its own label runs: one that `docker service
// scale` added behind the driver's back.
//
// A service declared elsewhere (the stack file's jarvis_app) is adopted as it is, provided
// its APP_BASE_PORT is the worker's, since instance ports are computed from the latter.
import type Dockerode from 'dockerode';
import { instanceIndex } from '../../contracts/scaling';
import { heartbeatProgress, pause } from '../common/cancellation';
import { FailureType, permanentFailure } from '../common/errors';
import { instanceHost, sortInstances, type InstanceInfo, type Orchestrator, type StartInstanceRequest } from './orchestrator';
import {
  isRunning,
  isWanted,
  servicePortBase,
  statusCode,
  swarmServices,
  SWARM_LABEL_VERSION,
  versionLabel,
  type SwarmHandle,
  type SwarmOrchestratorSettings,
  type SwarmServices,
  type SwarmTask,
} from './swarm-service';

export { SWARM_LABEL_BASE_PORT, SWARM_LABEL_SERVICE, type SwarmOrchestratorSettings } from './swarm-service';

interface SwarmDriver {
  docker: Dockerode;
  settings: SwarmOrchestratorSettings;
  services: SwarmServices;
}

function slotOf(service: string, name: string): number {
  const slot = instanceIndex(service, name);
  if (slot === undefined)
    throw permanentFailure(FailureType.InvalidInput, `${name} is not an instance name of ${service} (expected ${service}-<slot>)`);
  return slot;
}

/** Instance names carry the service; the Swarm service is found from the name's prefix. */
function serviceOfName(name: string): string {
  const match = /^(.*)-(\d+)$/.exec(name);
  if (!match) throw permanentFailure(FailureType.InvalidInput, `${name} is not an instance name (expected <service>-<slot>)`);
  return match[1];
}

async function containerOf(docker: Dockerode, task: SwarmTask) {
  const id = task.Status.ContainerStatus?.ContainerID;
  if (!id) return undefined;
  try {
    return { container: docker.getContainer(id), info: await docker.getContainer(id).inspect() };
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

/**
 * An adopted service (declared in a stack file) says itself where its replicas listen. The
 * driver reports, probes and plans ports from the worker's APP_BASE_PORT, so the two must
 * agree; otherwise every health check would ask the wrong port.
 */
function checkPortBase(settings: SwarmOrchestratorSettings, handle: SwarmHandle): SwarmHandle {
  const base = servicePortBase(handle.info);
  if (base !== undefined && base !== settings.basePort) {
    throw permanentFailure(
      FailureType.InvalidInput,
      `Swarm service ${String(handle.info.Spec.Name)} runs replica N on APP_BASE_PORT ${base} + N, but this worker's APP_BASE_PORT is ${settings.basePort}: set the same APP_BASE_PORT for both`,
    );
  }
  return handle;
}

/** The version a slot runs: its own label, else the service's (a replica Swarm added by itself). */
function versionOf(labels: Record<string, string>, slot: number): string {
  return labels[versionLabel(slot)] ?? labels[SWARM_LABEL_VERSION] ?? 'unknown';
}

async function listInstances({ settings, services }: SwarmDriver, service: string): Promise<InstanceInfo[]> {
  const handle = await services.inspect(service);
  if (!handle) return [];
  const labels: Record<string, string> = checkPortBase(settings, handle).info.Spec.Labels ?? {};
  const instances: InstanceInfo[] = [...(await services.tasksOf(service)).entries()].map(([slot, task]) => ({
    name: `${service}-${slot}`,
    host: instanceHost(settings, service, `${service}-${slot}`),
    port: settings.basePort + slot,
    version: versionOf(labels, slot),
    running: isRunning(task),
  }));
  return sortInstances(instances);
}

async function ensureInstanceStarted({ settings, services }: SwarmDriver, request: StartInstanceRequest) {
  const slot = slotOf(request.service, request.name);
  if (request.port !== settings.basePort + slot) {
    throw permanentFailure(
      FailureType.NameConflict,
      `${request.name} runs as Swarm slot ${slot} on port ${settings.basePort + slot}, not ${request.port}`,
    );
  }
  let handle = checkPortBase(settings, await services.ensure(request.service));
  let tasks = await services.tasksOf(request.service);
  if ((handle.info.Spec.Mode?.Replicated?.Replicas ?? 0) > tasks.size) {
    // An earlier attempt raised the count and Swarm has not created the task yet.
    await pause(1000);
    handle = (await services.inspect(request.service)) ?? handle;
    tasks = await services.tasksOf(request.service);
  }
  const existing = tasks.get(slot);
  const info = {
    name: request.name,
    host: instanceHost(settings, request.service, request.name),
    port: request.port,
    version: request.version,
  };
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
  await services.update(request.service, (current) => ({
    replicas: slots + 1,
    labels: { ...current.Spec.Labels, [versionLabel(slot)]: request.version, [SWARM_LABEL_VERSION]: request.version },
  }));
  await services.waitForSlot(request.service, slot, true, 20_000);
  return { ...info, running: true, created: true };
}

async function stopInstance({ docker, services }: SwarmDriver, name: string, graceSeconds: number) {
  const service = serviceOfName(name);
  const task = (await services.tasksOf(service)).get(slotOf(service, name));
  const found = task && (await containerOf(docker, task));
  if (!found?.info.State.Running) return { stopped: false, forced: false };
  try {
    await found.container.stop({ t: Math.ceil(graceSeconds) });
  } catch (error) {
    const code = statusCode(error);
    if (code !== 304 && code !== 404) throw error;
  }
  const after = await found.container.inspect().catch(() => undefined);
  return { stopped: true, forced: after?.State.ExitCode === 137 };
}

/** Kills the slot's container at once (a graceful stop is stopInstance's job) and waits until Swarm sees it stopped. */
async function killSlot(driver: SwarmDriver, service: string, name: string, task: SwarmTask): Promise<SwarmTask | undefined> {
  const slot = slotOf(service, name);
  const found = await containerOf(driver.docker, task);
  if (found?.info.State.Running)
    await found.container.kill().catch((error) => {
      if (statusCode(error) !== 409 && statusCode(error) !== 404) throw error;
    });
  let current: SwarmTask | undefined = task;
  const deadline = Date.now() + 20_000;
  while (current && isRunning(current) && Date.now() < deadline) {
    heartbeatProgress({ slot, state: current.Status.State });
    await pause(200);
    current = (await driver.services.tasksOf(service)).get(slot);
  }
  if (current && isRunning(current)) throw new Error(`Swarm still reports ${name} running after it was killed`);
  return current;
}

async function removeInstance(driver: SwarmDriver, name: string) {
  const { settings, services } = driver;
  const service = serviceOfName(name);
  const slot = slotOf(service, name);
  if (!(await services.inspect(service))) return { removed: false };
  const found = (await services.tasksOf(service)).get(slot);
  if (!found) return { removed: false };
  // Stopped first, so that it is the slot Swarm removes when the count drops.
  let task = await killSlot(driver, service, name, found);
  // Lower the count while this slot is a stopped one; Swarm removes stopped slots first.
  for (let attempt = 0; task && attempt < 5; attempt++) {
    const tasks = await services.tasksOf(service);
    if (!tasks.has(slot)) break;
    await services.update(service, (current) => {
      const { [versionLabel(slot)]: _gone, ...labels } = current.Spec.Labels ?? {};
      return { replicas: Math.max(0, tasks.size - 1), labels };
    });
    task = await services.waitForSlot(service, slot, false, 20_000).catch(() => tasks.get(slot));
  }
  if (task) throw new Error(`Swarm kept slot ${slot} of ${settings.swarmServiceName(service)} after the count was lowered`);
  return { removed: true };
}

export function createSwarmOrchestrator(docker: Dockerode, settings: SwarmOrchestratorSettings): Orchestrator {
  const driver: SwarmDriver = { docker, settings, services: swarmServices(docker, settings) };
  return {
    listInstances: (service) => listInstances(driver, service),
    ensureInstanceStarted: (request) => ensureInstanceStarted(driver, request),
    stopInstance: (name, graceSeconds) => stopInstance(driver, name, graceSeconds),
    removeInstance: (name) => removeInstance(driver, name),
  };
}
