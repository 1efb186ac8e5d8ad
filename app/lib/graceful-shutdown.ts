// gracefulShutdown: drains an http.Server and then runs the instance's clean-up steps in
// order, under one deadline. drain() only stops the instance from being chosen (readiness
// fails, the registry says draining) and makes every later answer close its connection;
// the server keeps serving until shutdown() (SIGTERM). shutdown() then stops accepting
// connections, lets in-flight requests finish, closes keep-alive connections as they go
// idle, and runs the clean-up steps. Past the deadline it exits anyway and logs what it
// cut off.
import type { Server } from 'node:http';
import { trackServerTraffic } from './server-traffic';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

export interface GracefulShutdownOptions {
  deadlineMs: number;
  /** Step 1: make readiness fail and tell the registry. Runs once, on drain or shutdown. */
  onDrain: () => Promise<unknown> | unknown;
  /** The steps after the server has closed, in order (flush sessions, release locks, close pools, deregister). */
  steps: ShutdownStep[];
  log: (message: string, fields?: Record<string, unknown>) => void;
  /** Default process.exit. */
  exit?: (code: number) => void;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
}

/** Where the shutdown is, for the log line that says what the deadline cut off. */
interface ShutdownProgress {
  step: string;
}

/** Exits 1 when the deadline passes, logging what was still going on. */
function armDeadline(
  options: GracefulShutdownOptions,
  progress: ShutdownProgress,
  traffic: ReturnType<typeof trackServerTraffic>,
  exit: (code: number) => void,
): NodeJS.Timeout {
  const deadline = setTimeout(() => {
    options.log('shutdown deadline passed; exiting anyway', {
      cutOff: progress.step,
      inFlightRequests: traffic.inFlightRequests(),
      openConnections: traffic.openConnections(),
      remainingSteps: options.steps.slice(options.steps.findIndex((s) => s.name === progress.step) + 1).map((s) => s.name),
    });
    exit(1);
  }, options.deadlineMs);
  deadline.unref();
  return deadline;
}

/** Stops accepting connections and resolves once every in-flight request is answered. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** The clean-up steps in order; one that fails is logged and the next runs. */
async function runSteps(options: GracefulShutdownOptions, progress: ShutdownProgress): Promise<void> {
  for (const step of options.steps) {
    progress.step = step.name;
    try {
      const result = await step.run();
      options.log(`shutdown step done: ${step.name}`, result === undefined ? {} : { result });
    } catch (error) {
      options.log(`shutdown step failed: ${step.name}`, { error: String(error) });
    }
  }
}

export function gracefulShutdown(server: Server, options: GracefulShutdownOptions) {
  let draining = false;
  let drainDone: Promise<void> | undefined;
  let shuttingDown: Promise<void> | undefined;
  const progress: ShutdownProgress = { step: 'running' };
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const traffic = trackServerTraffic(server, { draining: () => draining, shuttingDown: () => shuttingDown !== undefined });

  function drain(): Promise<void> {
    if (!drainDone) {
      draining = true;
      progress.step = 'draining';
      options.log('draining: readiness fails from now on; in-flight and keep-alive requests are still served');
      drainDone = Promise.resolve()
        .then(() => options.onDrain())
        .then(
          () => undefined,
          (error) => options.log('marking the instance as draining failed', { error: String(error) }),
        );
    }
    return drainDone;
  }

  function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return shuttingDown;
    const started = Date.now();
    options.log(`shutting down (${reason}); deadline ${options.deadlineMs} ms`);
    const deadline = armDeadline(options, progress, traffic, exit);
    shuttingDown = (async () => {
      // Readiness fails at once (drain() sets the flag synchronously); the server stops
      // accepting right away too, while the registry update is still on its way.
      const marked = drain();
      progress.step = 'closing the server';
      await closeServer(server);
      await marked;
      options.log('server closed: every in-flight request answered', { afterMs: Date.now() - started });
      await runSteps(options, progress);
      clearTimeout(deadline);
      options.log('shutdown complete; exiting 0', { afterMs: Date.now() - started });
      exit(0);
    })();
    return shuttingDown;
  }

  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) {
    process.on(signal, () => void shutdown(signal));
  }

  return {
    drain,
    shutdown,
    isDraining: () => draining,
    activeConnections: traffic.openConnections,
    inFlightRequests: traffic.inFlightRequests,
  };
}

export type GracefulShutdown = ReturnType<typeof gracefulShutdown>;
