// Reads the Grafana dashboards under infra/grafana/dashboards and lists their queries.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './stack';
import { filesIn } from './tools';

export const dashboardsDir = path.join(repoRoot, 'infra', 'grafana', 'dashboards');

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[]; // collapsed rows hold their panels here
}
export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  panels: Panel[];
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  datasourceUid: string | undefined;
}

export function readDashboards(): Dashboard[] {
  return filesIn(dashboardsDir, '.json').map((file) => ({
    file: path.basename(file),
    ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<Dashboard, 'file'>),
  }));
}

function flatten(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);
}

/** Every panel that shows data (rows and text panels have no targets). */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return flatten(dashboard.panels).filter((panel) => panel.type !== 'row' && panel.type !== 'text');
}

export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  return dataPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      dashboard: dashboard.title,
      panel: panel.title,
      refId: target.refId ?? '?',
      expr: target.expr ?? '',
      datasourceUid: target.datasource?.uid,
    })),
  );
}

/** Grafana's built-in interval variables, replaced the way Grafana would for a 5 s scrape. */
const grafanaVariables: Record<string, string> = { $__rate_interval: '1m', $__interval: '15s', $__range: '1h' };

/** The query as Prometheus would receive it from Grafana; throws on a variable Grafana would not know. */
export function asPromQL(expr: string): string {
  let out = expr;
  for (const [name, value] of Object.entries(grafanaVariables)) out = out.split(name).join(value);
  const unknown = out.match(/\$\{?\w+/);
  if (unknown) throw new Error(`query uses the variable ${unknown[0]}, which no dashboard defines: ${expr}`);
  return out;
}
