// Grafana is not installable here, so the dashboards are checked against what Grafana
// would send: every panel's PromQL goes to the live Prometheus of the test stack, which
// must accept it and answer with data. To give every exporter something to say, the test
// runs the real worker (scraped on WORKER_METRICS_PORT), scales up one instance, runs one
// PostgreSQL monitor pass and sends requests through nginx (pings, database reads, cached reads).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { asPromQL, dashboardQueries, dataPanels, readDashboards, type DashboardQuery } from '../../testkit/dashboards';
import { ports } from '../../testkit/ports';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { repoRoot, taskQueueFor, temporalClient } from '../../testkit/stack';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';

const seedDashboards = ['Database Replication', 'Instance Health', 'Redis Cluster', 'Scaling Overview'];

interface QueryAnswer {
  httpStatus: number;
  status: string;
  error?: string;
  series: number;
}

async function queryPrometheus(promql: string): Promise<QueryAnswer> {
  const url = `http://127.0.0.1:${ports.prometheus}/api/v1/query?${new URLSearchParams({ query: promql })}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; error?: string; data?: { result?: unknown[] } };
  return { httpStatus: response.status, status: body.status, error: body.error, series: body.data?.result?.length ?? 0 };
}

function provisionedDatasourceUid(): string {
  const text = readFileSync(path.join(repoRoot, 'infra', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
  const match = text.match(/^\s+uid:\s*(\S+)\s*$/m);
  assert.ok(match, 'the provisioned data source has a uid');
  return match[1];
}

async function emptyQueries(queries: DashboardQuery[]): Promise<string[]> {
  const empty: string[] = [];
  for (const q of queries) {
    const answer = await queryPrometheus(asPromQL(q.expr));
    const where = `${q.dashboard} / ${q.panel} / ${q.refId}: ${q.expr}`;
    assert.equal(answer.status, 'success', `${where} was rejected: ${answer.error}`);
    assert.equal(answer.httpStatus, 200, where);
    if (answer.series === 0) empty.push(where);
  }
  return empty;
}

describe('the Grafana dashboards', () => {
  const dashboards = readDashboards();
  const queries: DashboardQuery[] = dashboards.flatMap(dashboardQueries);
  let client: Client;
  let connection: Connection;
  let worker: WorkerProcess;

  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
    const taskQueue = taskQueueFor('dashboards');
    worker = await startWorkerProcess(taskQueue, { WORKER_METRICS_PORT: String(ports.workerMetrics), WORKER_SDK_METRICS_PORT: '0' });
    await client.workflow.execute('scaleUp', {
      taskQueue,
      workflowId: 'scale/jarvis-app',
      args: [{ service: SERVICE, cooldownSeconds: 0 }],
    });
    await client.workflow.execute('pgMonitor', {
      taskQueue,
      workflowId: `dashboards-pg-monitor-${Date.now()}`,
      args: [{ cluster: 'main', maxRunMs: 1_000, probeIntervalMs: 500 }],
    });
    // Pings, database reads (replicas and their query times) and the cached read path (hit rate).
    for (const route of ['/api/ping', '/api/notes', '/api/stats/notes'])
      for (let i = 0; i < 10; i++) await fetch(`http://127.0.0.1:${ports.nginx}${route}`).then((r) => r.arrayBuffer());
  });

  after(async () => {
    await worker?.kill('SIGTERM');
    await resetPlatform(client);
    await connection?.close();
  });

  it("are the seed's four, with unique uids, every panel querying the provisioned Prometheus", () => {
    assert.deepEqual(dashboards.map((d) => d.title).sort(), seedDashboards);
    assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length, 'dashboard uids are unique');
    const uid = provisionedDatasourceUid();
    for (const dashboard of dashboards) {
      const panels = dataPanels(dashboard);
      assert.ok(panels.length > 0, `${dashboard.title} has panels`);
      for (const panel of panels) assert.ok((panel.targets ?? []).length > 0, `${dashboard.title} / ${panel.title} has a query`);
    }
    for (const q of queries) {
      assert.ok(q.expr.trim(), `${q.dashboard} / ${q.panel} / ${q.refId} has an expression`);
      assert.equal(q.datasourceUid, uid, `${q.dashboard} / ${q.panel} / ${q.refId} uses the data source ${uid}`);
    }
  });

  it('are checked by a live Prometheus that rejects invalid PromQL', async () => {
    // Proves the check below can fail: a broken query must come back as an error.
    const answer = await queryPrometheus('sum(rate(jarvis_requests_total[5m])');
    assert.equal(answer.status, 'error', JSON.stringify(answer));
  });

  it('send only valid PromQL to the live Prometheus, and every query returns data', async (t) => {
    assert.ok(queries.length > 0, 'the dashboards have queries');
    // Rates need two scrapes of a new series (5 s apart), so the data arrives over a few scrapes.
    let empty = await emptyQueries(queries);
    for (let i = 0; i < 60 && empty.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      empty = await emptyQueries(queries);
    }
    t.diagnostic(`${queries.length - empty.length} of ${queries.length} dashboard queries return data`);
    assert.deepEqual(empty, [], `${empty.length} of ${queries.length} dashboard queries return no data`);
  });
});
