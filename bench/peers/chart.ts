// The failover timelines as an SVG: one row per round, grouped by configuration, a bar from
// the kill to the first acknowledged write and a mark at each milestone. Vega-Lite compiled
// to Vega and rendered headless, as `jarvis-scale backtest --plot` does.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RoundFigures } from './round';

const MILESTONES = [
  ['detectionMs', 'detection (the side sees it)'],
  ['promotionMs', 'promotion (a server accepts writes)'],
  ['repointMs', 're-point (writer reaches the named primary)'],
  ['firstAckMs', 'first acknowledged write'],
] as const;

export function timelineSpec(unsorted: RoundFigures[], title: string): TopLevelSpec {
  // Rows grouped by kill, then side, then round: each peer's rounds sit together.
  const rounds = [...unsorted].sort((a, b) => a.kill.localeCompare(b.kill) * -1 || a.side.localeCompare(b.side) || a.round - b.round);
  const row = (r: RoundFigures) => `${r.configuration} #${r.round}`;
  const bars = rounds.map((r) => ({ row: row(r), side: r.side, from: 0, to: r.firstAckMs / 1000 }));
  const marks = rounds.flatMap((r) =>
    MILESTONES.filter(([key]) => r[key] !== null).map(([key, label]) => ({
      row: row(r),
      seconds: (r[key] as number) / 1000,
      milestone: label,
    })),
  );
  const y = { field: 'row', type: 'nominal' as const, title: null, sort: rounds.map(row), axis: { labelLimit: 320 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 760,
    height: { step: 14 },
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar', opacity: 0.35, height: 10 },
        encoding: {
          y,
          x: { field: 'from', type: 'quantitative', title: 'seconds after the SIGKILL' },
          x2: { field: 'to' },
          color: { field: 'side', type: 'nominal', title: 'side', legend: { labelLimit: 320 } },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          y,
          x: { field: 'seconds', type: 'quantitative' },
          shape: {
            field: 'milestone',
            type: 'nominal',
            title: 'milestone (s after the kill)',
            sort: MILESTONES.map(([, l]) => l),
            legend: { labelLimit: 320 },
          },
          tooltip: [{ field: 'row' }, { field: 'milestone' }, { field: 'seconds', type: 'quantitative' }],
        },
      },
    ],
    resolve: { scale: { color: 'independent', shape: 'independent' } },
  };
}

export async function renderTimelineSvg(rounds: RoundFigures[], title: string): Promise<string> {
  const view = new View(parse(compile(timelineSpec(rounds, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
