// The drain bench as a chart (SVG, Vega-Lite rendered headless): per-second p50, p99 and max
// latency of the open-loop load over the whole run, with the drain windows shaded and failed
// requests as red points, so a queue building up during a drain shows as a rising line.
import type { TopLevelSpec } from 'vega-lite';
import type { VegetaResult } from '../testkit/bench/vegeta';
import { failedResult, quantile } from '../testkit/bench/vegeta-summary';
import { vegaLiteSvg } from './vega-svg';

export interface SecondPoint {
  /** Seconds since the first request. */
  t: number;
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Per-second latency figures, by when each request was sent. */
export function perSecond(results: readonly VegetaResult[], startMs: number): SecondPoint[] {
  const buckets = new Map<number, VegetaResult[]>();
  for (const r of results) {
    const s = Math.floor((r.atMs - startMs) / 1000);
    const bucket = buckets.get(s);
    if (bucket) bucket.push(r);
    else buckets.set(s, [r]);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, rs]) => {
      const ms = rs.map((r) => r.latencyMs).sort((a, b) => a - b);
      return {
        t,
        requests: rs.length,
        failed: rs.filter(failedResult).length,
        p50Ms: round(quantile(ms, 0.5)),
        p99Ms: round(quantile(ms, 0.99)),
        maxMs: round(ms.at(-1) ?? 0),
      };
    });
}

export interface Band {
  /** Seconds since the first request. */
  from: number;
  to: number;
  label: string;
}

export function drainChartSpec(points: readonly SecondPoint[], bands: readonly Band[], title: string): TopLevelSpec {
  const lines = points.flatMap((p) => [
    { t: p.t, quantile: 'p50', ms: Math.max(p.p50Ms, 0.1) },
    { t: p.t, quantile: 'p99', ms: Math.max(p.p99Ms, 0.1) },
    { t: p.t, quantile: 'max', ms: Math.max(p.maxMs, 0.1) },
  ]);
  const x = { field: 't', type: 'quantitative' as const, title: 'seconds since the load started' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 820,
    height: 260,
    layer: [
      {
        data: { values: [...bands] },
        mark: { type: 'rect', opacity: 0.15, color: 'orange' },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' }, tooltip: [{ field: 'label' }] },
      },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: {
          x,
          y: { field: 'ms', type: 'quantitative', title: 'latency per second (ms)', scale: { type: 'log' } },
          color: { field: 'quantile', type: 'nominal', sort: ['p50', 'p99', 'max'], title: 'per second' },
        },
      },
      {
        data: { values: points.filter((p) => p.failed > 0).map((p) => ({ ...p, ms: Math.max(p.maxMs, 0.1) })) },
        mark: { type: 'point', filled: true, color: 'red', size: 60 },
        encoding: { x, y: { field: 'ms', type: 'quantitative' }, tooltip: [{ field: 'failed' }] },
      },
    ],
  };
}

export async function renderDrainSvg(points: readonly SecondPoint[], bands: readonly Band[], title: string): Promise<string> {
  return vegaLiteSvg(drainChartSpec(points, bands, title));
}
