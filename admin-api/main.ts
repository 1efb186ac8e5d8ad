// The admin HTTP API of the control plane (ADMIN_API_HOST, default 127.0.0.1; ADMIN_API_PORT, default 3000).
// /api/admin/* need "Authorization: Bearer <ADMIN_TOKEN>" (constant-time compare), else 401.
// /api/health is open so that a probe needs no secret; it tells only whether Temporal answers.
import http from 'node:http';
import { Client } from '@temporalio/client';
import { connectTemporalClient } from '../config/temporal-connect';
import { createAdminAuth } from '../shared/admin-auth';
import { sendJson } from '../shared/http-kit';
import { ConfigError, readWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { requireResolvableHosts } from '../config/endpoint-check';
import { autoscalerStatus } from '../read-models/autoscaler-status';
import { openPlatform } from '../read-models/platform';
import { instanceCounts, instanceViews } from '../read-models/platform-view';
import { readHealthScores } from '../read-models/health-scores';
import { scalingStatsByService } from '../read-models/scaling-stats';

export interface AdminApi {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startAdminApi(config: WorkerConfig, port = config.adminApiPort): Promise<AdminApi> {
  if (config.adminToken.length < 16)
    throw new ConfigError('ADMIN_TOKEN must be set (at least 16 characters) in the environment or in JARVIS_STATE_DIR/secrets.env');
  const auth = createAdminAuth(config.adminToken);
  await requireResolvableHosts(config);
  const connection = await connectTemporalClient(config.temporal, 5_000);
  const client = new Client({ connection, namespace: config.namespace });
  const platform = await openPlatform(config);

  const routes: Record<string, () => Promise<unknown>> = {
    '/api/admin/autoscaler/status': async () => ({ services: await Promise.all(config.services.map((s) => autoscalerStatus(client, s))) }),
    '/api/admin/metrics': () => scalingStatsByService(client, config.services),
    '/api/admin/health/instances': async () => ({
      services: await Promise.all(
        config.services.map(async (service) => {
          const view = await instanceViews(platform.orchestrator, platform.redis(), service, { probe: true });
          // The seed's diagnosis for uneven load: each instance's score beside its connections.
          const scores = await readHealthScores(client, service, view.instances);
          const instances = view.instances.map((i, n) => ({ ...i, healthScore: scores[n].score, healthScoreSource: scores[n].source }));
          return { service, ...instanceCounts(view.instances), ...view, instances };
        }),
      ),
    }),
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET is served' });
    if (path === '/api/health') {
      connection.workflowService.getSystemInfo({}).then(
        () => sendJson(res, 200, { status: 'ok', temporal: 'reachable' }),
        (error: Error) => sendJson(res, 503, { status: 'degraded', temporal: `unreachable: ${error.message}` }),
      );
      return;
    }
    const route = routes[path];
    if (!route) return sendJson(res, 404, { error: `no route ${path}` });
    if (!auth.allows(req))
      return sendJson(
        res,
        401,
        { error: "send Authorization: Bearer <ADMIN_TOKEN> (from the stack's secrets.env)" },
        { 'www-authenticate': 'Bearer' },
      );
    route().then(
      (body) => sendJson(res, 200, body),
      (error: Error) => sendJson(res, 500, { error: error.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.adminApiHost, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await platform.close();
      await connection.close();
    },
  };
}

if (require.main === module) {
  (async () => {
    const config = readWorkerConfig(process.env);
    const api = await startAdminApi(config);
    process.stdout.write(`admin API ready on http://${config.adminApiHost}:${api.port}\n`);
    const stop = () => void api.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })().catch((error) => {
    process.stderr.write(`admin API failed to start: ${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
