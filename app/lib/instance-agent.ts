// Keeps one instance's registry record and readiness current: registers on start, moves
// starting → ready once the start-up delay has passed and its dependencies answer, and
// heartbeats CPU, memory, connections, request rate and status. A heartbeat that finds
// its record gone (it expired during a Redis outage) registers again.
import type { HeartbeatFigures, InstanceRegistry, InstanceStatus } from '../../shared/instance-registry';
import { createDependencyChecks, within } from './dependency-checks';
import { createProcessSampler } from './process-stats';

export interface InstanceAgentOptions {
  registry: InstanceRegistry;
  id: string;
  host: string;
  port: number;
  version: string;
  startupDelayMs: number;
  heartbeatIntervalMs: number;
  /** The limit memory % is measured against (memory-limit.ts). */
  memoryLimitBytes: number;
  /** Each returns true when that dependency answers. */
  checks: Record<string, () => Promise<boolean>>;
  activeConnections: () => number;
  requestsServed: () => number;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** How long until the next heartbeat: quick ones while starting, so a short start-up delay is honoured promptly. */
function nextBeatInMs(status: InstanceStatus, bootedAtMs: number, options: InstanceAgentOptions): number {
  const untilReady = Math.max(0, bootedAtMs + options.startupDelayMs - Date.now());
  return status === 'starting' ? Math.min(options.heartbeatIntervalMs, Math.max(50, untilReady), 250) : options.heartbeatIntervalMs;
}

/** One heartbeat with the figures given. False when the record was gone; a failed call is logged and counts as present. */
async function sendHeartbeat(options: InstanceAgentOptions, figures: HeartbeatFigures, timeoutMs: number): Promise<boolean> {
  try {
    return await within(options.registry.heartbeat(options.id, figures), timeoutMs, 'heartbeat');
  } catch (error) {
    options.log('heartbeat failed', { error: String(error) });
    return true;
  }
}

export function createInstanceAgent(options: InstanceAgentOptions) {
  const callTimeoutMs = Math.max(500, Math.min(2_000, options.heartbeatIntervalMs));
  const startedAt = new Date().toISOString();
  const bootedAtMs = Date.now();
  const sampler = createProcessSampler(options.memoryLimitBytes);
  let status: InstanceStatus = 'starting';
  let registered = false;
  const dependencies = createDependencyChecks(options.checks, callTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();

  async function register(): Promise<void> {
    await within(
      options.registry.register({ id: options.id, host: options.host, port: options.port, version: options.version, startedAt, status }),
      callTimeoutMs,
      'registration',
    );
    registered = true;
  }

  async function beat(): Promise<void> {
    await dependencies.run();
    if (!registered) {
      await register().catch((error) => options.log('registration failed; retrying at the next heartbeat', { error: String(error) }));
    }
    if (status === 'starting' && registered && dependencies.allOk() && Date.now() - bootedAtMs >= options.startupDelayMs) {
      status = 'ready';
      options.log('ready');
    }
    if (!registered) return;
    const figures = { ...sampler.sample(options.requestsServed()), activeConnections: options.activeConnections(), status };
    if (!(await sendHeartbeat(options, figures, callTimeoutMs)) && status !== 'stopping')
      await register().catch((error) => options.log('heartbeat failed', { error: String(error) }));
  }

  function schedule(): void {
    timer = setTimeout(
      () => {
        beating = beat().finally(() => {
          if (timer) schedule();
        });
      },
      nextBeatInMs(status, bootedAtMs, options),
    );
  }

  return {
    startedAt,
    async start(): Promise<void> {
      beating = beat();
      await beating;
      schedule();
    },
    status: () => status,
    /** Readiness: ready, registered, and every dependency answered its last check. */
    isReady: () => status === 'ready' && registered && dependencies.allOk(),
    checks: dependencies.results,
    /** Moves to draining or stopping and tells the registry at once. */
    async setStatus(next: InstanceStatus): Promise<void> {
      status = next;
      if (registered) await within(options.registry.setStatus(options.id, next), callTimeoutMs, 'status update');
    },
    /** Stops heartbeats (before deregistering, so none re-creates the record). */
    async stop(): Promise<void> {
      const t = timer;
      timer = undefined;
      if (t) clearTimeout(t);
      await beating.catch(() => undefined);
    },
    async deregister(): Promise<void> {
      registered = false;
      await within(options.registry.deregister(options.id), callTimeoutMs, 'deregistration');
    },
  };
}

export type InstanceAgent = ReturnType<typeof createInstanceAgent>;
