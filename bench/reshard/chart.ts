// Keys per second over time for each reshard (SVG, Vega-Lite rendered headless): one panel per
// configuration, one line per run, quiet runs solid and loaded ones dashed, so a stall or a
// slow tail shows as it happened, not only as an average.
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteSvg } from '../vega-svg';
import type { RunFigures } from './run';
import { CONFIGURATIONS } from './summary';

/** Mean rate over each whole second, from the 250 ms samples: less noise, the same total. */
function perSecond(run: RunFigures) {
  const seconds = new Map<number, number[]>();
  for (const p of run.overTime) {
    const s = Math.ceil(p.t);
    seconds.set(s, [...(seconds.get(s) ?? []), p.keysPerSecond]);
  }
  return [...seconds.entries()].map(([t, v]) => ({ t, keysPerSecond: Math.round(v.reduce((a, b) => a + b, 0) / v.length) }));
}

export function reshardChartSpec(runs: RunFigures[], title: string): TopLevelSpec {
  const values = runs.flatMap((r) =>
    perSecond(r).map((p) => ({
      ...p,
      configuration: r.configuration,
      run: `round ${r.round} (load ${r.loadAtStart})`,
      machine: r.quiet ? 'quiet' : 'loaded',
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    facet: { row: { field: 'configuration', type: 'nominal', sort: [...CONFIGURATIONS], title: null } },
    spec: {
      width: 720,
      height: 160,
      mark: { type: 'line', point: false, opacity: 0.8 },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'seconds since the reshard began' },
        y: { field: 'keysPerSecond', type: 'quantitative', title: 'keys moved per second' },
        color: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 320 } },
        strokeDash: { field: 'machine', type: 'nominal', title: 'machine at the start', scale: { domain: ['quiet', 'loaded'] } },
      },
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

export function renderReshardChart(runs: RunFigures[], title: string): Promise<string> {
  return vegaLiteSvg(reshardChartSpec(runs, title));
}
