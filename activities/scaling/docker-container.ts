// One instance's Docker container: the labels that tie it to its service and stack, the
// spec it is created with, and reads that treat "no such container" as an answer.
import type Dockerode from 'dockerode';
import { FailureType, permanentFailure } from '../common/errors';
import {
  instanceEnvironment,
  LEGACY_INSTANCE_HOST,
  type InstanceInfo,
  type InstanceLaunchSettings,
  type StartInstanceRequest,
} from './orchestrator';

export const LABEL_SERVICE = 'jarvis.service';
export const LABEL_PORT = 'jarvis.port';
export const LABEL_HOST = 'jarvis.host';
export const LABEL_VERSION = 'jarvis.version';
/** The stack (state folder) that owns the container: another stack's, or a dead run's, is not ours to count. */
export const LABEL_STACK = 'jarvis.stack';

export interface DockerOrchestratorSettings extends InstanceLaunchSettings {
  image: string;
}

/** The host folders a container needs to run the host's own node binary. */
const HOST_RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];

/** The HTTP status of a Docker Engine error (404 no such container, 304 already so, 409 conflict). */
export function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

export function toInfo(name: string, labels: Record<string, string>, running: boolean): InstanceInfo {
  const host = labels[LABEL_HOST] ?? LEGACY_INSTANCE_HOST;
  return { name, host, port: Number(labels[LABEL_PORT]), version: labels[LABEL_VERSION] ?? 'unknown', running };
}

/** The container's state, or undefined when there is none by that name. */
export async function inspectContainer(docker: Dockerode, name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

export async function createInstanceContainer(
  docker: Dockerode,
  settings: DockerOrchestratorSettings,
  request: StartInstanceRequest,
): Promise<void> {
  const env = instanceEnvironment(request, settings);
  await docker.createContainer({
    name: request.name,
    Image: settings.image,
    Cmd: ['/usr/bin/node', '/app/dist/app/server.js'],
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      [LABEL_SERVICE]: request.service,
      [LABEL_PORT]: String(request.port),
      [LABEL_HOST]: env.HOST,
      [LABEL_VERSION]: request.version,
      [LABEL_STACK]: settings.stackId,
    },
    StopSignal: 'SIGTERM',
    HostConfig: {
      NetworkMode: 'host',
      // Docker's init as PID 1 forwards a stop signal that comes before Node has installed
      // its handler (the kernel drops it for a handlerless PID 1, so docker stop would wait
      // out the whole grace period), and reaps zombies.
      Init: true,
      // The instance reads this cgroup limit back as the base of its memory % (app/lib/memory-limit.ts).
      Memory: settings.memoryLimitMb * 1024 * 1024,
      Binds: [
        ...HOST_RUNTIME_MOUNTS.map((dir) => `${dir}:${dir}:ro`),
        `${settings.appDir}:/app:ro`,
        `${settings.secretsFile}:${settings.secretsFile}:ro`,
      ],
      RestartPolicy: { Name: 'no' },
    },
  });
}

/** A container by this name that is not this stack's instance of this service on this port is a conflict to resolve by hand. */
export function assertContainerIsOurs(request: StartInstanceRequest, labels: Record<string, string>, stackId: string): void {
  if (labels[LABEL_STACK] !== stackId) {
    throw permanentFailure(
      FailureType.NameConflict,
      `container ${request.name} exists but belongs to another stack ("${labels[LABEL_STACK] ?? 'none'}", not "${stackId}"); remove it with "docker rm -f ${request.name}", or stop that stack first`,
    );
  }
  if (labels[LABEL_SERVICE] !== request.service || labels[LABEL_PORT] !== String(request.port)) {
    throw permanentFailure(
      FailureType.NameConflict,
      `container ${request.name} exists but belongs to service "${labels[LABEL_SERVICE] ?? 'none'}" on port ${labels[LABEL_PORT] ?? 'none'}; remove it with "docker rm -f ${request.name}"`,
    );
  }
}
