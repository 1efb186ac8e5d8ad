// The worker's own metrics endpoint for Prometheus.
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry, prefix: 'jarvis_worker_' });

export function serveWorkerMetrics(port: number, host = '127.0.0.1'): http.Server {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    workerRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': workerRegistry.contentType }).end(text),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  server.listen(port, host);
  return server;
}
