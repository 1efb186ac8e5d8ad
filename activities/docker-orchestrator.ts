// Instances as Docker containers through dockerode. Every action reads the current
// state first, so a retried or resumed activity never starts a second container.
import type Dockerode from 'dockerode';
import { FailureType, permanentFailure } from './errors';

export const LABEL_SERVICE = 'jarvis.service';
export const LABEL_PORT = 'jarvis.port';
export const LABEL_VERSION = 'jarvis.version';

export interface InstanceInfo {
  name: string;
  port: number;
  version: string;
  running: boolean;
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

export interface DockerOrchestratorSettings {
  image: string;
  appDir: string;
  startupDelayMs: number;
  /** Extra non-secret variables for every instance (Redis and PostgreSQL addresses). */
  instanceEnv?: Record<string, string>;
  /** The host's secrets file, mounted read-only; the instance reads it through JARVIS_SECRETS_FILE. */
  secretsFile?: string;
}

/** Where an instance container finds the secrets file. */
const CONTAINER_SECRETS_FILE = '/run/jarvis/secrets.env';

/** The host folders a container needs to run the host's own node binary. */
const HOST_RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error ? Number((error as { statusCode: unknown }).statusCode) : undefined;
}

function toInfo(name: string, labels: Record<string, string>, running: boolean): InstanceInfo {
  return { name, port: Number(labels[LABEL_PORT]), version: labels[LABEL_VERSION] ?? 'unknown', running };
}

export function createDockerOrchestrator(docker: Dockerode, settings: DockerOrchestratorSettings) {
  async function inspect(name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await docker.getContainer(name).inspect();
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async function create(request: StartInstanceRequest): Promise<void> {
    await docker.createContainer({
      name: request.name,
      Image: settings.image,
      Cmd: ['/usr/bin/node', '/app/dist/app/server.js'],
      Env: [
        `PORT=${request.port}`,
        'HOST=127.0.0.1',
        `INSTANCE_ID=${request.name}`,
        `APP_VERSION=${request.version}`,
        `STARTUP_DELAY_MS=${settings.startupDelayMs}`,
        `SERVICE_NAME=${request.service}`,
        ...Object.entries(settings.instanceEnv ?? {}).map(([key, value]) => `${key}=${value}`),
        ...(settings.secretsFile ? [`JARVIS_SECRETS_FILE=${CONTAINER_SECRETS_FILE}`] : []),
      ],
      Labels: { [LABEL_SERVICE]: request.service, [LABEL_PORT]: String(request.port), [LABEL_VERSION]: request.version },
      StopSignal: 'SIGTERM',
      HostConfig: {
        NetworkMode: 'host',
        Binds: [
          ...HOST_RUNTIME_MOUNTS.map((dir) => `${dir}:${dir}:ro`),
          `${settings.appDir}:/app:ro`,
          ...(settings.secretsFile ? [`${settings.secretsFile}:${CONTAINER_SECRETS_FILE}:ro`] : []),
        ],
        RestartPolicy: { Name: 'no' },
      },
    });
  }

  return {
    /** Every container of the service, running or not, so that orphans are visible too. */
    async listInstances(service: string): Promise<InstanceInfo[]> {
      const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SERVICE}=${service}`] } });
      return containers
        .map((c) => toInfo((c.Names[0] ?? c.Id).replace(/^\//, ''), c.Labels, c.State === 'running'))
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    },

    /** Creates and starts the named container unless it already exists; starts it if it stopped. */
    async ensureInstanceStarted(request: StartInstanceRequest): Promise<StartInstanceResult> {
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

    /** Removes the container; a container that is already gone counts as removed. */
    async removeInstance(name: string): Promise<{ removed: boolean }> {
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
