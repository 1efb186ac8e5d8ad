// Grafana is not installable here, so the dashboards are checked against what Grafana
// would send: every panel's PromQL goes to the live Prometheus of the test stack, and
// Prometheus must accept it. Whether each query also returns data depends on every
// exporter being merged; see dashboardQueriesMustReturnData below.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { asPromQL, dashboardQueries, dataPanels, readDashboards, type DashboardQuery } from '../helpers/dashboards';
import { ports } from '../helpers/ports';
import { repoRoot } from '../helpers/stack';

/**
 * Switch this on (return true) once the worker's and the instances' exporters are all
 * merged and the test starts a worker and app instances: then every dashboard query must
 * return at least one series. JARVIS_REQUIRE_DASHBOARD_DATA=1 switches it on for one run.
 * Until then the test prints the queries that return nothing instead of failing on them.
 */
function dashboardQueriesMustReturnData(): boolean {
  return process.env.JARVIS_REQUIRE_DASHBOARD_DATA === '1';
}

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

describe('the Grafana dashboards', () => {
  const dashboards = readDashboards();
  const queries: DashboardQuery[] = dashboards.flatMap(dashboardQueries);

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

  it('send only valid PromQL to the live Prometheus, and list the queries without data', async (t) => {
    assert.ok(queries.length > 0, 'the dashboards have queries');
    const empty: string[] = [];
    for (const q of queries) {
      const answer = await queryPrometheus(asPromQL(q.expr));
      const where = `${q.dashboard} / ${q.panel} / ${q.refId}: ${q.expr}`;
      assert.equal(answer.status, 'success', `${where} was rejected: ${answer.error}`);
      assert.equal(answer.httpStatus, 200, where);
      if (answer.series === 0) empty.push(where);
    }
    const message = `${empty.length} of ${queries.length} dashboard queries return no data now`;
    t.diagnostic(message);
    for (const line of empty) t.diagnostic(`no data: ${line}`);
    if (dashboardQueriesMustReturnData()) assert.deepEqual(empty, [], message);
    else if (empty.length > 0) t.diagnostic('not failing on them: dashboardQueriesMustReturnData() is off until all exporters are merged');
  });
});
