// The building blocks of the four Grafana dashboards, on the Grafana Foundation SDK's builders:
// every panel queries the provisioned Prometheus data source (uid jarvis-prometheus,
// infra/grafana/provisioning/datasources/prometheus.yml) with plain PromQL, so the dashboards
// test can send each query to a live Prometheus as Grafana would.
import { DashboardBuilder, DashboardCursorSync, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE = { type: 'prometheus', uid: 'jarvis-prometheus' };

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
}

function targets(queries: Query[]): DataqueryBuilder[] {
  return queries.map((query, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(query.expr)
      .legendFormat(query.legend ?? '__auto'),
  );
}

/** A single number, a quarter of the width. */
export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .span(6)
    .height(4)
    .targets(targets(spec.queries));
}

/** A trend over the dashboard's time range, half the width. */
export function seriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .span(12)
    .height(8)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .targets(targets(spec.queries));
}

/** A panel as data: the dashboards list these, buildDashboard turns them into the SDK's builders. */
export type PanelDef = PanelSpec & { kind: 'stat' | 'series' };
export const statDef = (spec: PanelSpec): PanelDef => ({ kind: 'stat', ...spec });
export const seriesDef = (spec: PanelSpec): PanelDef => ({ kind: 'series', ...spec });

export function buildDashboard(meta: { uid: string; title: string; description: string }, defs: PanelDef[]): Dashboard {
  const panels = defs.map((d) => (d.kind === 'stat' ? statPanel(d) : seriesPanel(d)));
  const builder = new DashboardBuilder(meta.title)
    .uid(meta.uid)
    .description(meta.description)
    .tags(['jarvis', 'generated'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser');
  // Stable ids (Grafana keys links and panel state on them), in the order the panels appear.
  panels.forEach((panel, i) => builder.withPanel(panel.id(i + 1)));
  return builder.build();
}
