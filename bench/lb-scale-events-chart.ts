// The lb-scale-events bench as a chart (SVG, Vega-Lite rendered headless as the backtest's):
// per-250 ms p99 latency over each event's window, one panel per event, one line per load
// balancer and round, with failed requests as red points.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TimelinePoint } from '../testkit/bench/vegeta-summary';

export interface ChartRun {
  loadBalancer: string;
  event: string;
  round: number;
  timeline: TimelinePoint[];
}

export function scaleEventsChartSpec(runs: readonly ChartRun[], title: string): TopLevelSpec {
  const values = runs.flatMap((r) =>
    r.timeline.map((p) => ({ ...p, event: r.event, series: `${r.loadBalancer} #${r.round}`, loadBalancer: r.loadBalancer })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    facet: { row: { field: 'event', type: 'nominal', title: null } },
    spec: {
      width: 760,
      height: 140,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'seconds into the window' },
            y: { field: 'p99Ms', type: 'quantitative', title: 'p99 per 250 ms (ms)', scale: { type: 'log' } },
            color: { field: 'loadBalancer', type: 'nominal', title: 'load balancer' },
            detail: { field: 'series', type: 'nominal' },
          },
        },
        {
          transform: [{ filter: 'datum.failed > 0' }],
          mark: { type: 'point', filled: true, color: 'red', size: 60 },
          encoding: {
            x: { field: 't', type: 'quantitative' },
            y: { field: 'p99Ms', type: 'quantitative' },
            tooltip: [{ field: 'series' }, { field: 'failed' }],
          },
        },
      ],
    },
  };
}

export async function renderScaleEventsSvg(runs: readonly ChartRun[], title: string): Promise<string> {
  const view = new View(parse(compile(scaleEventsChartSpec(runs, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
