// The minimal Jarvis app instance: enough for the control plane to start, probe,
// route to and stop it. The instance issue grows it into the reference app.
import { timingSafeEqual } from 'node:crypto';
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
let activeConnections = 0;
let inFlightRequests = 0;
const startedAt = new Date().toISOString();

function authorized(req: http.IncomingMessage): boolean {
  const expected = Buffer.from(`Bearer ${settings.adminToken}`);
  const given = Buffer.from(req.headers.authorization ?? '');
  return settings.adminToken !== '' && given.length === expected.length && timingSafeEqual(given, expected);
}

function admin(req: http.IncomingMessage, res: http.ServerResponse, url: string): void {
  if (!authorized(req)) return send(res, 401, { error: 'missing or wrong bearer token for /api/admin' });
  if (url === '/api/admin/status' && req.method === 'GET') {
    return send(res, 200, { id: settings.instanceId, service: settings.service, status, version: settings.version, activeConnections, inFlightRequests, startedAt });
  }
  if (url === '/api/admin/drain' && req.method === 'POST') {
    if (status === 'starting' || status === 'ready') {
      status = 'draining';
      log('drain requested: readiness now fails; serving in-flight and keep-alive requests until SIGTERM');
    }
    return send(res, 200, { id: settings.instanceId, status });
  }
  return send(res, 404, { error: `no admin route ${req.method} ${url}` });
}

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
  inFlightRequests += 1;
  res.on('close', () => (inFlightRequests -= 1));
  if (url.startsWith('/api/admin/')) return admin(req, res, url);
  const route = ['/api/health', '/api/live', '/metrics'].includes(url) ? url : 'other';
  res.on('finish', () => requests.inc({ route, status: String(res.statusCode) }));
  if (status !== 'ready') res.setHeader('connection', 'close');
  if (url === '/api/slow') {
    // A deliberately slow request, so tests can prove that a drain lets it finish.
    const ms = Math.min(Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 1000) || 1000, 30_000);
    setTimeout(() => send(res, 200, { instance: settings.instanceId, sleptMs: ms }), ms);
    return;
  }
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

server.on('connection', (socket) => {
  activeConnections += 1;
  socket.on('close', () => (activeConnections -= 1));
});
server.keepAliveTimeout = 5_000;
server.listen(settings.port, settings.host, () => {
  log(`listening on http://${settings.host}:${settings.port}, ready in ${settings.startupDelayMs} ms`);
  setTimeout(() => {
    if (status === 'starting') status = 'ready';
  }, settings.startupDelayMs);
});

function shutdown(signal: string): void {
  if (status === 'stopping') return;
  status = 'stopping';
  log(`${signal}: draining; in-flight requests finish, new connections are refused`);
  const deadline = setTimeout(() => {
    log(`shutdown deadline of ${settings.shutdownDeadlineMs} ms passed; exiting with connections still open`);
    process.exit(0);
  }, settings.shutdownDeadlineMs);
  deadline.unref();
  server.close(() => {
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
