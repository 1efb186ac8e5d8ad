// Keeps one instance's registry record and readiness current: registers on start, moves
// starting → ready once the start-up delay has passed and its dependencies answer, and
// heartbeats CPU, memory, connections, request rate and status. A heartbeat that finds
// its record gone (it expired during a Redis outage) registers again.
import type { InstanceRegistry, InstanceStatus } from '../../shared/instance-registry';
import { createProcessSampler } from './process-stats';

export interface InstanceAgentOptions {
  registry: InstanceRegistry;
  id: string;
  host: string;
  port: number;
  version: string;
  startupDelayMs: number;
  heartbeatIntervalMs: number;
  /** Each returns true when that dependency answers. */
  checks: Record<string, () => Promise<boolean>>;
  activeConnections: () => number;
  requestsServed: () => number;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Rejects when `promise` takes longer than ms: a dependency that hangs counts as down. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createInstanceAgent(options: InstanceAgentOptions) {
  const callTimeoutMs = Math.max(500, Math.min(2_000, options.heartbeatIntervalMs));
  const startedAt = new Date().toISOString();
  const bootedAtMs = Date.now();
  const sampler = createProcessSampler();
  let status: InstanceStatus = 'starting';
  let registered = false;
  let checkResults: Record<string, boolean> = {};
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

  async function runChecks(): Promise<void> {
    const entries = await Promise.all(
      Object.entries(options.checks).map(
        async ([name, check]) => [name, await within(check(), callTimeoutMs, `check ${name}`).catch(() => false)] as const,
      ),
    );
    checkResults = Object.fromEntries(entries);
  }

  function dependenciesOk(): boolean {
    return Object.keys(options.checks).every((name) => checkResults[name] === true);
  }

  async function beat(): Promise<void> {
    await runChecks();
    if (!registered) {
      await register().catch((error) => options.log('registration failed; retrying at the next heartbeat', { error: String(error) }));
    }
    if (status === 'starting' && registered && dependenciesOk() && Date.now() - bootedAtMs >= options.startupDelayMs) {
      status = 'ready';
      options.log('ready');
    }
    if (!registered) return;
    const figures = sampler.sample(options.requestsServed());
    try {
      const present = await within(
        options.registry.heartbeat(options.id, { ...figures, activeConnections: options.activeConnections(), status }),
        callTimeoutMs,
        'heartbeat',
      );
      if (!present && status !== 'stopping') await register();
    } catch (error) {
      options.log('heartbeat failed', { error: String(error) });
    }
  }

  function schedule(): void {
    // The first beats come quickly so that a short start-up delay is honoured promptly.
    const untilReady = Math.max(0, bootedAtMs + options.startupDelayMs - Date.now());
    const next = status === 'starting' ? Math.min(options.heartbeatIntervalMs, Math.max(50, untilReady), 250) : options.heartbeatIntervalMs;
    timer = setTimeout(() => {
      beating = beat().finally(() => {
        if (timer) schedule();
      });
    }, next);
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
    isReady: () => status === 'ready' && registered && dependenciesOk(),
    checks: () => ({ ...checkResults }),
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
