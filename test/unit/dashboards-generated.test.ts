// The committed dashboards are what scripts/generate-dashboards.ts builds with the Grafana
// Foundation SDK (a hand edit or a forgotten `npm run dashboards` fails here), and they hold every
// panel the seed names.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dashboardsDir, renderDashboards } from '../../scripts/generate-dashboards';
import { filesIn } from '../../testkit/tools';

/** Per dashboard, what the seed asks it to show, each matched against a panel title. */
const seedPanels: Record<string, RegExp[]> = {
  'jarvis-scaling-overview.json': [/^CPU trend/, /^Memory trend/, /^Request-rate trend/, /^Scaling efficiency/],
  'jarvis-instance-health.json': [
    /^Health score by instance/,
    /^CPU by instance/,
    /^Resident memory by instance/,
    /^Request distribution/,
    /^Cache hit rate/,
  ],
  'jarvis-database-replication.json': [/^Read\/write distribution/, /^Connection pooling/, /^Query performance/],
  'jarvis-redis-cluster.json': [/^Key distribution/, /^Command statistics/],
};

describe('the generated Grafana dashboards', () => {
  const rendered = renderDashboards();

  it('are committed exactly as scripts/generate-dashboards.ts writes them, and no other dashboard is there', () => {
    for (const { file, text } of rendered) {
      const committed = path.join(dashboardsDir, file);
      assert.ok(existsSync(committed), `${file} is missing; run: npm run build && npm run dashboards`);
      assert.equal(readFileSync(committed, 'utf8'), text, `${file} is stale; run: npm run build && npm run dashboards`);
    }
    assert.deepEqual(
      filesIn(dashboardsDir, '.json')
        .map((f) => path.basename(f))
        .sort(),
      rendered.map((r) => r.file).sort(),
    );
  });

  it('hold every panel the seed names, each querying the provisioned data source', () => {
    for (const { file, text } of rendered) {
      const panels = (
        JSON.parse(text) as { panels: Array<{ title: string; targets: Array<{ datasource: { uid: string }; expr: string }> }> }
      ).panels;
      for (const wanted of seedPanels[file])
        assert.ok(
          panels.some((p) => wanted.test(p.title)),
          `${file} has a panel ${wanted}`,
        );
      for (const p of panels) for (const t of p.targets) assert.equal(t.datasource.uid, 'jarvis-prometheus', `${file} / ${p.title}`);
    }
  });
});
