// The reference Jarvis app instance, built on the instance library in app/lib; started by
// app/server.ts once the settings' hosts resolve. The control plane starts it with PORT,
// HOST, INSTANCE_ID, APP_VERSION and STARTUP_DELAY_MS (and the
// connection settings); see the README's "Instance library" section for every variable.
import http from 'node:http';
import { handleAdmin } from './admin-routes';
import { createAdminAuth } from '../shared/admin-auth';
import { createCacheAside } from './lib/cache-aside';
import { createDbRouter } from './lib/db-router';
import { createRequestRate } from './lib/request-rate';
import { createDistributedLock } from './lib/distributed-lock';
import { gracefulShutdown, type GracefulShutdown } from './lib/graceful-shutdown';
import { HttpError, requestUrl, sendJson } from '../shared/http-kit';
import { createInstanceAgent } from './lib/instance-agent';
import { createInstanceRegistry } from '../shared/instance-registry';
import { createInstanceMetrics } from './lib/metrics';
import { createMemoryBallast } from './lib/memory-ballast';
import { resolveMemoryLimit } from './lib/memory-limit';
import { followTopology, type TopologyFollower } from './lib/pg-topology';
import { createRedisCluster } from '../shared/redis-cluster';
import { sessionAffinityMiddleware } from './lib/session-affinity';
import { createSessionStore } from './lib/session-store';
import { ensureNotesTable } from './notes-schema';
import { notesCountEntry } from './note-routes';
import { appRoutes } from './routes';
import { readAppSettings } from './settings';

const settings = readAppSettings(process.env);

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), instance: settings.instanceId, msg: message, ...fields })}\n`);
}

// Connection errors repeat while a dependency is down; log each kind once every 10 s.
const lastLogged = new Map<string, number>();
function logError(source: string) {
  return (error: Error) => {
    const key = `${source}:${(error as NodeJS.ErrnoException).code ?? error.message}`;
    if (Date.now() - (lastLogged.get(key) ?? 0) < 10_000) return;
    lastLogged.set(key, Date.now());
    log(`${source} error`, { error: error.message });
  };
}

const memoryLimit = resolveMemoryLimit(settings.memoryLimitMb);
// The ballast (a test's memory pressure) may reach past the limit, as a leak would, within reason.
const ballast = createMemoryBallast(Math.min(4096, Math.ceil((2 * memoryLimit.bytes) / 2 ** 20)));
const metrics = createInstanceMetrics();
const redis = createRedisCluster({
  nodes: settings.redisNodes,
  username: settings.redisUsername,
  password: settings.redisPassword,
  commandCounter: metrics.redisCommands,
  onError: logError('redis'),
});
const registry = createInstanceRegistry(redis, { service: settings.service, ttlSeconds: settings.registryTtlSeconds });
const db = createDbRouter({
  primaryUrl: settings.databaseUrl,
  replicaUrls: settings.replicaUrls,
  password: settings.pgPassword,
  poolSize: settings.dbPoolSize,
  maxLagMs: settings.replicaMaxLagMs,
  applicationName: settings.instanceId,
  metrics,
  onError: logError('postgres'),
});
const sessions = createSessionStore(redis);
const locks = createDistributedLock(redis, { counter: metrics.lockAcquisitions });
const cache = createCacheAside({
  store: redis,
  keyPrefix: 'jarvis:cache:',
  defaultTtlMs: settings.cacheTtlMs,
  metrics,
  onError: logError('cache'),
});
const requestRate = createRequestRate();
const auth = createAdminAuth(settings.adminToken);
let schemaReady = false;
let topology: TopologyFollower | undefined;
let requestsServed = 0;

const routes = appRoutes({
  instanceId: settings.instanceId,
  version: settings.version,
  db,
  sessions,
  locks,
  cache,
  maxBodyBytes: settings.maxBodyBytes,
});
const withSession = sessionAffinityMiddleware({
  store: sessions,
  instanceId: settings.instanceId,
  sessionsCreated: metrics.sessionsCreated,
});

function routeLabel(path: string): string {
  if (path === '/api/health' || path === '/api/live' || path === '/metrics') return path;
  if (path.startsWith('/api/admin/')) return '/api/admin';
  if (path.startsWith('/api/notes/')) return '/api/notes/:id';
  if (path.startsWith('/api/jobs/')) return '/api/jobs/:name/run';
  return routes.some((r) => r.pattern.test(path)) ? path : 'other';
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = requestUrl(req);
  const path = url.pathname;
  if (path === '/api/health') {
    const ready = agent.isReady() && !shutdown.isDraining();
    metrics.instanceReady.set(ready ? 1 : 0);
    return sendJson(res, ready ? 200 : 503, {
      status: shutdown.isDraining() && agent.status() === 'ready' ? 'draining' : agent.status(),
      ready,
      instance: settings.instanceId,
      version: settings.version,
      checks: agent.checks(),
    });
  }
  if (path === '/api/live') return sendJson(res, 200, { alive: true, instance: settings.instanceId });
  if (path === '/metrics') {
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (path.startsWith('/api/admin/')) {
    return handleAdmin(req, res, path, {
      instanceId: settings.instanceId,
      service: settings.service,
      version: settings.version,
      agent,
      shutdown: () => shutdown,
      metrics,
      db,
      ballast,
      allows: auth.allows,
    });
  }
  const matching = routes.filter((r) => r.pattern.test(path));
  if (matching.length === 0) throw new HttpError(404, 'not_found', `no route for ${path}`);
  const route = matching.find((r) => r.method === req.method);
  if (!route)
    throw new HttpError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed on ${path}; use ${matching.map((r) => r.method).join(' or ')}`,
      { allow: matching.map((r) => r.method).join(', ') },
    );
  const params = route.pattern.exec(path)!.slice(1);
  if (route.session) {
    let failed: unknown;
    let passed = false;
    await withSession(req, res, (error) => {
      failed = error;
      passed = error === undefined;
    });
    if (failed) throw failed;
    if (!passed) return; // the middleware answered (a malformed cookie)
  }
  await route.handler(req, res, url, params);
}

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  res.setHeader('x-instance-id', settings.instanceId);
  res.once('finish', () => {
    requestsServed += 1;
    requestRate.record();
    const route = routeLabel((req.url ?? '/').split('?')[0]);
    metrics.requests.inc({ method: req.method ?? 'OTHER', route, status: String(res.statusCode) });
    metrics.requestDuration.observe({ method: req.method ?? 'OTHER', route }, Number(process.hrtime.bigint() - started) / 1e9);
  });
  handle(req, res).catch((error: unknown) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) return sendJson(res, error.status, { error: error.code, message: error.message }, error.headers);
    log('request failed', { path: (req.url ?? '').slice(0, 200), error: String(error) });
    sendJson(res, 503, { error: 'unavailable', message: 'a dependency failed; retry' });
  });
});
server.keepAliveTimeout = 65_000; // longer than nginx's upstream keepalive_timeout (60 s), so nginx closes first
server.headersTimeout = 66_000;
server.requestTimeout = 60_000;
server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
  // A malformed request line or oversized headers: answer instead of dropping the connection.
  if (!socket.writable) return socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\nx-instance-id: ${settings.instanceId}\r\n\r\n`);
});

const agent = createInstanceAgent({
  registry,
  id: settings.instanceId,
  host: settings.host,
  port: settings.port,
  version: settings.version,
  startupDelayMs: settings.startupDelayMs,
  heartbeatIntervalMs: settings.heartbeatIntervalMs,
  memoryLimitBytes: memoryLimit.bytes,
  checks: {
    redis: async () => (await redis.ping()) === 'PONG',
    database: async () => schemaReady && (await db.pingPrimary()),
  },
  activeConnections: () => shutdown.activeConnections(),
  requestsServed: () => requestsServed,
  log,
});

const shutdown: GracefulShutdown = gracefulShutdown(server, {
  deadlineMs: settings.shutdownDeadlineMs,
  onDrain: () => agent.setStatus('draining'),
  steps: [
    { name: 'flush sessions', run: async () => ({ renewalsFlushed: await sessions.flush() }) },
    { name: 'release locks', run: async () => ({ released: await locks.releaseAll() }) },
    {
      name: 'close database and Redis pools',
      run: async () => {
        await agent.setStatus('stopping').catch(() => undefined);
        await agent.stop();
        sessions.stop();
        await topology?.stop();
        await db.close();
      },
    },
    {
      name: 'deregister',
      run: async () => {
        await agent.deregister();
        await redis.quit().catch(() => redis.disconnect());
      },
    },
  ],
  log,
});

// Gauges read at scrape time (prom-client calls collect() before each scrape).
metrics.onScrape(() => {
  metrics.activeConnections.set(shutdown.activeConnections());
  metrics.inFlightRequests.set(shutdown.inFlightRequests());
  metrics.requestsPerSecond.set(requestRate.perSecond());
});

async function ensureSchema(): Promise<void> {
  for (let attempt = 1; !schemaReady && !shutdown.isDraining(); attempt++) {
    try {
      await ensureNotesTable(db);
      // Warm before readiness: a new instance's first requests then hit the cache instead of all
      // missing at once. cache.warm never throws; a failed entry is only loaded on first use.
      log('cache warmed', { entries: await cache.warm([notesCountEntry({ db })]) });
      schemaReady = true;
    } catch (error) {
      if (attempt === 1 || attempt % 20 === 0) log('database not ready yet', { error: String(error), attempt });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function followDbTopology(): Promise<void> {
  for (let attempt = 1; !topology && !shutdown.isDraining(); attempt++) {
    try {
      topology = await followTopology(
        redis,
        'main',
        db.currentEpoch,
        (t) => {
          log('applying PostgreSQL topology', {
            epoch: t.epoch,
            primary: `${t.primary.name} ${t.primary.host}:${t.primary.port}`,
            replicas: t.replicas.map((r) => r.name),
          });
          db.applyTopology(t);
        },
        logError('topology'),
      );
    } catch (error) {
      if (attempt === 1 || attempt % 20 === 0) log('cannot follow the PostgreSQL topology yet', { error: String(error) });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

server.listen(settings.port, settings.host, () => {
  log(`listening on http://${settings.host}:${settings.port}; readiness held back at least ${settings.startupDelayMs} ms`, {
    memoryLimitMb: Math.round(memoryLimit.bytes / 2 ** 20),
    memoryLimitSource: memoryLimit.source,
  });
  void followDbTopology();
  void ensureSchema();
  void agent.start();
});
