// Instances as local child processes: the embedded driver when no Docker Engine answers.
// The process table is read before every action, so a retry never starts a second copy.
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { findProcesses, isAlive } from '../common/process-table';
import {
  guardStartRequest,
  instanceEnvironment,
  LEGACY_INSTANCE_HOST,
  MANAGED_BY,
  sortInstances,
  type InstanceLaunchSettings,
  type Orchestrator,
} from './orchestrator';

export interface ProcessOrchestratorSettings extends InstanceLaunchSettings {
  logDir: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await sleep(50);
  }
  return !(await isAlive(pid));
}

/** Starts the instance's app process in its own session (it outlives a worker that is killed); returns its environment. */
function spawnInstance(request: Parameters<Orchestrator['ensureInstanceStarted']>[0], settings: ProcessOrchestratorSettings) {
  const env = instanceEnvironment(request, settings);
  mkdirSync(settings.logDir, { recursive: true });
  const log = openSync(path.join(settings.logDir, `instance-${request.name}.log`), 'a');
  try {
    const child = spawn(process.execPath, [path.join(settings.appDir, 'dist', 'app', 'server.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  return env;
}

export function createProcessOrchestrator(settings: ProcessOrchestratorSettings): Orchestrator {
  const ours = { JARVIS_MANAGED_BY: MANAGED_BY, JARVIS_STACK_ID: settings.stackId };
  const byName = (name: string) => findProcesses({ ...ours, INSTANCE_ID: name });

  return {
    async listInstances(service) {
      const processes = await findProcesses({ ...ours, SERVICE_NAME: service });
      return sortInstances(
        processes.map((p) => ({
          name: p.env.INSTANCE_ID,
          host: p.env.HOST ?? LEGACY_INSTANCE_HOST,
          port: Number(p.env.PORT),
          version: p.env.APP_VERSION,
          running: true,
        })),
      );
    },

    async ensureInstanceStarted(request) {
      guardStartRequest(request);
      const [existing] = await byName(request.name);
      if (existing) {
        const host = existing.env.HOST ?? LEGACY_INSTANCE_HOST;
        return {
          name: request.name,
          host,
          port: Number(existing.env.PORT),
          version: existing.env.APP_VERSION,
          running: true,
          created: false,
        };
      }
      const env = spawnInstance(request, settings);
      return { name: request.name, host: env.HOST, port: request.port, version: request.version, running: true, created: true };
    },

    async stopInstance(name, graceSeconds) {
      const processes = await byName(name);
      if (!processes.length) return { stopped: false, forced: false };
      let forced = false;
      for (const { pid } of processes) {
        process.kill(pid, 'SIGTERM');
        if (!(await waitForExit(pid, graceSeconds * 1000))) {
          process.kill(pid, 'SIGKILL');
          forced = true;
          await waitForExit(pid, 5_000);
        }
      }
      return { stopped: true, forced };
    },

    async removeInstance(name) {
      const processes = await byName(name);
      for (const { pid } of processes) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await waitForExit(pid, 5_000);
      }
      return { removed: processes.length > 0 };
    },
  };
}
