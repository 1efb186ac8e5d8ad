// Instances as Docker containers through dockerode. Every action reads the current
// state first, so a retried or resumed activity never starts a second container.
import type Dockerode from 'dockerode';
import {
  assertContainerIsOurs,
  createInstanceContainer,
  inspectContainer,
  LABEL_SERVICE,
  LABEL_STACK,
  statusCode,
  toInfo,
  type DockerOrchestratorSettings,
} from './docker-container';
import {
  guardStartRequest,
  sortInstances,
  type InstanceInfo,
  type Orchestrator,
  type StartInstanceRequest,
  type StartInstanceResult,
} from './orchestrator';

export { LABEL_PORT, LABEL_SERVICE, LABEL_STACK, LABEL_VERSION, type DockerOrchestratorSettings } from './docker-container';

async function listContainers(docker: Dockerode, stackId: string, service: string): Promise<InstanceInfo[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_SERVICE}=${service}`, `${LABEL_STACK}=${stackId}`] },
  });
  return sortInstances(containers.map((c) => toInfo((c.Names[0] ?? c.Id).replace(/^\//, ''), c.Labels, c.State === 'running')));
}

/** Creates the container unless it exists (a concurrent or earlier attempt may have made it); returns its state and whether we made it. */
async function findOrCreate(
  docker: Dockerode,
  settings: DockerOrchestratorSettings,
  request: StartInstanceRequest,
): Promise<{ existing: Dockerode.ContainerInspectInfo; created: boolean }> {
  const found = await inspectContainer(docker, request.name);
  if (found) return { existing: found, created: false };
  let created = false;
  try {
    await createInstanceContainer(docker, settings, request);
    created = true;
  } catch (error) {
    // A concurrent or earlier attempt created it between our read and our create.
    if (statusCode(error) !== 409) throw error;
  }
  const existing = await inspectContainer(docker, request.name);
  if (!existing) throw new Error(`container ${request.name} vanished right after it was created`);
  return { existing, created };
}

async function ensureContainerStarted(
  docker: Dockerode,
  settings: DockerOrchestratorSettings,
  request: StartInstanceRequest,
): Promise<StartInstanceResult> {
  guardStartRequest(request);
  const { existing, created } = await findOrCreate(docker, settings, request);
  const labels = existing.Config.Labels ?? {};
  assertContainerIsOurs(request, labels, settings.stackId);
  if (!existing.State.Running) {
    try {
      await docker.getContainer(request.name).start();
    } catch (error) {
      if (statusCode(error) !== 304) throw error; // 304: already started
    }
  }
  return { ...toInfo(request.name, labels, true), created };
}

async function stopContainer(docker: Dockerode, name: string, graceSeconds: number) {
  const before = await inspectContainer(docker, name);
  if (!before?.State.Running) return { stopped: false, forced: false };
  try {
    await docker.getContainer(name).stop({ t: Math.ceil(graceSeconds) });
  } catch (error) {
    const code = statusCode(error);
    if (code !== 304 && code !== 404) throw error; // already stopped, or gone
  }
  const after = await inspectContainer(docker, name);
  // Docker reports 137 (SIGKILL) when the grace period ran out.
  return { stopped: true, forced: after?.State.ExitCode === 137 };
}

async function removeContainer(docker: Dockerode, name: string) {
  try {
    await docker.getContainer(name).remove({ force: true });
    return { removed: true };
  } catch (error) {
    const code = statusCode(error);
    if (code === 404) return { removed: false };
    if (code === 409 && !(await inspectContainer(docker, name))) return { removed: false };
    throw error;
  }
}

export function createDockerOrchestrator(docker: Dockerode, settings: DockerOrchestratorSettings): Orchestrator {
  return {
    listInstances: (service) => listContainers(docker, settings.stackId, service),
    ensureInstanceStarted: (request) => ensureContainerStarted(docker, settings, request),
    stopInstance: (name, graceSeconds) => stopContainer(docker, name, graceSeconds),
    removeInstance: (name) => removeContainer(docker, name),
  };
}
