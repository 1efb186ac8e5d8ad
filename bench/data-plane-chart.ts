// The data-plane bench as a chart (SVG, Vega-Lite rendered headless): p99 against the fixed
// arrival rate, one line per path (through the load balancer, direct to one instance), with
// the 200 ms bound drawn.
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteSvg } from './vega-svg';

export interface RatePoint {
  path: string;
  ratePerSecond: number;
  p99Ms: number;
  failed: number;
}

export function dataPlaneChartSpec(points: readonly RatePoint[], boundMs: number, title: string): TopLevelSpec {
  const x = { field: 'ratePerSecond', type: 'quantitative' as const, title: 'fixed arrival rate (req/s)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 300,
    layer: [
      {
        data: { values: points.map((p) => ({ ...p, p99Ms: Math.max(p.p99Ms, 0.1) })) },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'p99Ms', type: 'quantitative', title: 'p99 (ms)', scale: { type: 'log' } },
          color: { field: 'path', type: 'nominal', title: null },
          tooltip: [{ field: 'path' }, { field: 'ratePerSecond' }, { field: 'p99Ms' }, { field: 'failed' }],
        },
      },
      {
        data: { values: [{ bound: boundMs }] },
        mark: { type: 'rule', color: 'red', strokeDash: [4, 4] },
        encoding: { y: { field: 'bound', type: 'quantitative' } },
      },
    ],
  };
}

export async function renderDataPlaneSvg(points: readonly RatePoint[], boundMs: number, title: string): Promise<string> {
  return vegaLiteSvg(dataPlaneChartSpec(points, boundMs, title));
}
