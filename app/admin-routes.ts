// /api/admin/*: instance status, drain, metrics and the database router's view, behind
// "Authorization: Bearer <ADMIN_TOKEN>". The control plane's drain workflow calls drain,
// polls status until activeConnections falls, then sends SIGTERM.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbRouter } from './lib/db-router';
import type { GracefulShutdown } from './lib/graceful-shutdown';
import { HttpError, readJsonBody, sendJson } from '../shared/http-kit';
import type { MemoryBallast } from './lib/memory-ballast';
import type { InstanceAgent } from './lib/instance-agent';
import type { InstanceMetrics } from './lib/metrics';

export interface AdminDeps {
  instanceId: string;
  service: string;
  version: string;
  agent: InstanceAgent;
  shutdown: () => GracefulShutdown;
  metrics: InstanceMetrics;
  db: DbRouter;
  ballast: MemoryBallast;
  allows: (req: IncomingMessage) => boolean;
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps): Promise<void> {
  if (!deps.allows(req)) {
    throw new HttpError(401, 'unauthorized', 'admin endpoints need "Authorization: Bearer <ADMIN_TOKEN>"', {
      'www-authenticate': 'Bearer realm="jarvis-admin"',
    });
  }
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /api/admin/status':
      return sendJson(res, 200, {
        id: deps.instanceId,
        service: deps.service,
        status: deps.agent.status(),
        version: deps.version,
        activeConnections: deps.shutdown().activeConnections(),
        inFlightRequests: deps.shutdown().inFlightRequests(),
        startedAt: deps.agent.startedAt,
        ready: deps.agent.isReady() && !deps.shutdown().isDraining(),
        checks: deps.agent.checks(),
      });
    case 'POST /api/admin/drain':
      await deps.shutdown().drain();
      return sendJson(res, 202, { id: deps.instanceId, status: deps.agent.status() });
    case 'GET /api/admin/metrics': {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    case 'GET /api/admin/db':
      return sendJson(res, 200, deps.db.describe());
    case 'POST /api/admin/memory-ballast':
      return setBallast(req, res, deps.ballast);
    default:
      throw new HttpError(404, 'not_found', `no admin endpoint ${route}`);
  }
}

/** Body {"megabytes": N}: the instance holds N MB of resident memory from now on (0 releases it). */
async function setBallast(req: IncomingMessage, res: ServerResponse, ballast: MemoryBallast): Promise<void> {
  const { megabytes } = await readJsonBody(req, 1024);
  let held: number;
  try {
    held = ballast.set(megabytes as number);
  } catch (error) {
    throw new HttpError(400, 'bad_request', (error as Error).message);
  }
  sendJson(res, 200, { megabytes: held, rssMegabytes: Math.round(process.memoryUsage.rss() / 2 ** 20) });
}
