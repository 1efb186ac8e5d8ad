// Instances as Docker containers through dockerode. Every action reads the current
// state first, so a retried or resumed activity never starts a second container.
import type Dockerode from 'dockerode';
import { FailureType, permanentFailure } from '../common/errors';
import { guardInstanceName, guardPort, guardServiceName, guardVersion } from '../common/name-guard';
import {
  instanceEnvironment,
  sortInstances,
  type InstanceInfo,
  type InstanceLaunchSettings,
  type Orchestrator,
  type StartInstanceRequest,
} from './orchestrator';

export const LABEL_SERVICE = 'jarvis.service';
export const LABEL_PORT = 'jarvis.port';
export const LABEL_VERSION = 'jarvis.version';
/** The stack (state folder) that owns the container: another stack's, or a dead run's, is not ours to count. */
export const LABEL_STACK = 'jarvis.stack';

export interface DockerOrchestratorSettings extends InstanceLaunchSettings {
  image: string;
}

/** The host folders a container needs to run the host's own node binary. */
const HOST_RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

function toInfo(name: string, labels: Record<string, string>, running: boolean): InstanceInfo {
  return { name, port: Number(labels[LABEL_PORT]), version: labels[LABEL_VERSION] ?? 'unknown', running };
}

export function createDockerOrchestrator(docker: Dockerode, settings: DockerOrchestratorSettings): Orchestrator {
  async function inspect(name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await docker.getContainer(name).inspect();
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async function create(request: StartInstanceRequest): Promise<void> {
    const env = instanceEnvironment(request, settings);
    await docker.createContainer({
      name: request.name,
      Image: settings.image,
      Cmd: ['/usr/bin/node', '/app/dist/app/server.js'],
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: {
        [LABEL_SERVICE]: request.service,
        [LABEL_PORT]: String(request.port),
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
        Binds: [
          ...HOST_RUNTIME_MOUNTS.map((dir) => `${dir}:${dir}:ro`),
          `${settings.appDir}:/app:ro`,
          `${settings.secretsFile}:${settings.secretsFile}:ro`,
        ],
        RestartPolicy: { Name: 'no' },
      },
    });
  }

  return {
    async listInstances(service) {
      const containers = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_SERVICE}=${service}`, `${LABEL_STACK}=${settings.stackId}`] },
      });
      return sortInstances(containers.map((c) => toInfo((c.Names[0] ?? c.Id).replace(/^\//, ''), c.Labels, c.State === 'running')));
    },

    async ensureInstanceStarted(request) {
      guardServiceName(request.service);
      guardInstanceName(request.name);
      guardVersion(request.version);
      guardPort(request.port);
      let existing = await inspect(request.name);
      let created = false;
      if (!existing) {
        try {
          await create(request);
          created = true;
        } catch (error) {
          // A concurrent or earlier attempt created it between our read and our create.
          if (statusCode(error) !== 409) throw error;
        }
        existing = await inspect(request.name);
        if (!existing) throw new Error(`container ${request.name} vanished right after it was created`);
      }
      const labels = existing.Config.Labels ?? {};
      if (labels[LABEL_STACK] !== settings.stackId) {
        throw permanentFailure(
          FailureType.NameConflict,
          `container ${request.name} exists but belongs to another stack ("${labels[LABEL_STACK] ?? 'none'}", not "${settings.stackId}"); remove it with "docker rm -f ${request.name}", or stop that stack first`,
        );
      }
      if (labels[LABEL_SERVICE] !== request.service || labels[LABEL_PORT] !== String(request.port)) {
        throw permanentFailure(
          FailureType.NameConflict,
          `container ${request.name} exists but belongs to service "${labels[LABEL_SERVICE] ?? 'none'}" on port ${labels[LABEL_PORT] ?? 'none'}; remove it with "docker rm -f ${request.name}"`,
        );
      }
      if (!existing.State.Running) {
        try {
          await docker.getContainer(request.name).start();
        } catch (error) {
          if (statusCode(error) !== 304) throw error; // 304: already started
        }
      }
      return { ...toInfo(request.name, labels, true), created };
    },

    async stopInstance(name, graceSeconds) {
      const before = await inspect(name);
      if (!before?.State.Running) return { stopped: false, forced: false };
      try {
        await docker.getContainer(name).stop({ t: Math.ceil(graceSeconds) });
      } catch (error) {
        const code = statusCode(error);
        if (code !== 304 && code !== 404) throw error; // already stopped, or gone
      }
      const after = await inspect(name);
      // Docker reports 137 (SIGKILL) when the grace period ran out.
      return { stopped: true, forced: after?.State.ExitCode === 137 };
    },

    async removeInstance(name) {
      try {
        await docker.getContainer(name).remove({ force: true });
        return { removed: true };
      } catch (error) {
        const code = statusCode(error);
        if (code === 404) return { removed: false };
        if (code === 409 && !(await inspect(name))) return { removed: false };
        throw error;
      }
    },
  };
}
