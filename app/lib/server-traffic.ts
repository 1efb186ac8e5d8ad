// Counts an http.Server's open connections and requests in flight, and while the instance
// drains makes every answer close its connection, so keep-alive clients move elsewhere.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface TrafficPhase {
  /** True once the instance drains: answers carry "connection: close". */
  draining: () => boolean;
  /** True once shutdown has begun: a connection whose answer went out is closed once idle. */
  shuttingDown: () => boolean;
}

export function trackServerTraffic(server: Server, phase: TrafficPhase) {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Prepended so it runs before the application's handler writes anything.
  server.prependListener('request', (_req, res) => {
    inFlight += 1;
    if (phase.draining()) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight -= 1;
      // A keep-alive connection whose answer went out before the drain began is closed once idle.
      if (phase.shuttingDown()) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    openConnections: () => sockets.size,
    inFlightRequests: () => inFlight,
  };
}
