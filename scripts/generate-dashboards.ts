// Writes the four Grafana dashboards (scripts/dashboards/, built with the Grafana Foundation
// SDK) to infra/grafana/dashboards/<uid>.json, where Grafana's file provider and the Swarm
// configs read them. `npm run dashboards`; test/unit/dashboards-generated.test.ts fails while a
// committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { databaseReplication } from './dashboards/database-replication';
import { instanceHealth } from './dashboards/instance-health';
import { redisCluster } from './dashboards/redis-cluster';
import { scalingOverview } from './dashboards/scaling-overview';

export const dashboardsDir = path.resolve(__dirname, '..', '..', 'infra', 'grafana', 'dashboards');

/** Each dashboard's file name and text. */
export function renderDashboards(): Array<{ file: string; text: string }> {
  return [scalingOverview(), instanceHealth(), databaseReplication(), redisCluster()].map((d: Dashboard) => ({
    file: `${d.uid}.json`,
    text: `${JSON.stringify(d, null, 2)}\n`,
  }));
}

if (require.main === module) {
  for (const { file, text } of renderDashboards()) writeFileSync(path.join(dashboardsDir, file), text);
  console.log(`wrote ${renderDashboards().length} dashboards to ${dashboardsDir}`);
}
