// gracefulShutdown: drains an http.Server and then runs the instance's clean-up steps in
// order, under one deadline. drain() only stops the instance from being chosen (readiness
// fails, the registry says draining) and makes every later answer close its connection;
// the server keeps serving until shutdown() (SIGTERM). shutdown() then stops accepting
// connections, lets in-flight requests finish, closes keep-alive connections as they go
// idle, and runs the clean-up steps. Past the deadline it exits anyway and logs what it
// cut off.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

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

export function gracefulShutdown(server: Server, options: GracefulShutdownOptions) {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let draining = false;
  let drainDone: Promise<void> | undefined;
  let shuttingDown: Promise<void> | undefined;
  let currentStep = 'running';
  const exit = options.exit ?? ((code: number) => process.exit(code));

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Prepended so it runs before the application's handler writes anything.
  server.prependListener('request', (_req, res) => {
    inFlight += 1;
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight -= 1;
      // A keep-alive connection whose answer went out before the drain began is closed once idle.
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
  });

  function drain(): Promise<void> {
    if (!drainDone) {
      draining = true;
      currentStep = 'draining';
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
    const deadline = setTimeout(() => {
      options.log('shutdown deadline passed; exiting anyway', {
        cutOff: currentStep,
        inFlightRequests: inFlight,
        openConnections: sockets.size,
        remainingSteps: options.steps.slice(options.steps.findIndex((s) => s.name === currentStep) + 1).map((s) => s.name),
      });
      exit(1);
    }, options.deadlineMs);
    deadline.unref();
    shuttingDown = (async () => {
      // Readiness fails at once (drain() sets the flag synchronously); the server stops
      // accepting right away too, while the registry update is still on its way.
      const marked = drain();
      currentStep = 'closing the server';
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await marked;
      options.log('server closed: every in-flight request answered', { afterMs: Date.now() - started });
      for (const step of options.steps) {
        currentStep = step.name;
        try {
          const result = await step.run();
          options.log(`shutdown step done: ${step.name}`, result === undefined ? {} : { result });
        } catch (error) {
          options.log(`shutdown step failed: ${step.name}`, { error: String(error) });
        }
      }
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
    activeConnections: () => sockets.size,
    inFlightRequests: () => inFlight,
  };
}

export type GracefulShutdown = ReturnType<typeof gracefulShutdown>;
