// A Vega-Lite spec rendered headless to SVG, for the benches' charts.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
