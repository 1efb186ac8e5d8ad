// The backtest as a timeline (SVG): instances over time as the policy would have run them
// against the count that actually ran, and a mark at each decision, coloured by its reason
// code. Drawn with Vega-Lite, compiled to Vega and rendered headless (no browser, no canvas).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BacktestResult } from '../policy/scaling/backtest';

/** The Vega-Lite spec: pure data in, so a test can read what is drawn. */
export function backtestChartSpec(result: BacktestResult, title: string): TopLevelSpec {
  const lines = result.steps.flatMap((s) => [
    { time: new Date(s.atMs).toISOString(), instances: s.simulatedAfter, series: 'policy (simulated)' },
    { time: new Date(s.atMs).toISOString(), instances: s.actualInstances, series: 'actual' },
  ]);
  const decisions = result.steps
    .filter((s) => s.action === 'scaleUp' || s.action === 'scaleDown')
    .map((s) => ({
      time: new Date(s.atMs).toISOString(),
      instances: s.simulatedAfter,
      reason: `${s.action}: ${s.reason}${s.metric ? ` (${s.metric})` : ''}`,
    }));
  const x = { field: 'time', type: 'temporal' as const, title: 'time' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 900,
    height: 320,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x,
          y: { field: 'instances', type: 'quantitative', title: 'instances', scale: { zero: true } },
          color: { field: 'series', type: 'nominal', title: 'count' },
          strokeDash: { field: 'series', type: 'nominal', legend: null },
        },
      },
      {
        data: { values: decisions },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y: { field: 'instances', type: 'quantitative' },
          shape: { field: 'reason', type: 'nominal', title: 'decision (reason code)' },
          tooltip: [{ field: 'time', type: 'temporal' }, { field: 'reason' }],
        },
      },
    ],
    resolve: { scale: { color: 'independent', shape: 'independent' } },
  };
}

export async function renderBacktestSvg(result: BacktestResult, title: string): Promise<string> {
  const view = new View(parse(compile(backtestChartSpec(result, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
