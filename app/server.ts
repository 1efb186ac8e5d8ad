// The minimal Jarvis app instance: enough for the control plane to start, probe,
// route to and stop it. The instance issue grows it into the reference app.
import http from 'node:http';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { readAppSettings } from './settings';

const settings = readAppSettings(process.env);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const requests = new Counter({
  name: 'jarvis_requests_total',
  help: 'HTTP requests served by this instance',
  labelNames: ['route', 'status'],
  registers: [registry],
});

type Status = 'starting' | 'ready' | 'draining' | 'stopping';
let status: Status = 'starting';

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'x-instance-id': settings.instanceId,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = (req.url ?? '/').split('?')[0];
  const route = ['/api/health', '/api/live', '/metrics'].includes(url) ? url : 'other';
  res.on('finish', () => requests.inc({ route, status: String(res.statusCode) }));
  if (status !== 'ready') res.setHeader('connection', 'close');
  if (url === '/api/health') {
    send(res, status === 'ready' ? 200 : 503, { status, instance: settings.instanceId, version: settings.version });
  } else if (url === '/api/live') {
    send(res, 200, { alive: true, instance: settings.instanceId });
  } else if (url === '/metrics') {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      () => send(res, 500, { error: 'metrics unavailable' }),
    );
  } else {
    send(res, 200, { instance: settings.instanceId, version: settings.version, path: url });
  }
});

server.keepAliveTimeout = 5_000;
server.listen(settings.port, settings.host, () => {
  log(`listening on http://${settings.host}:${settings.port}, ready in ${settings.startupDelayMs} ms`);
  setTimeout(() => {
    if (status === 'starting') status = 'ready';
  }, settings.startupDelayMs);
});

function shutdown(signal: string): void {
  if (status === 'stopping' || status === 'draining') return;
  status = 'draining';
  log(`${signal}: draining; in-flight requests finish, new connections are refused`);
  const deadline = setTimeout(() => {
    log(`shutdown deadline of ${settings.shutdownDeadlineMs} ms passed; exiting with connections still open`);
    process.exit(0);
  }, settings.shutdownDeadlineMs);
  deadline.unref();
  server.close(() => {
    status = 'stopping';
    log('all connections closed; exiting');
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

function log(message: string): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), instance: settings.instanceId, msg: message })}\n`);
}
