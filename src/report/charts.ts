// Charts: Vega-Lite specifications rendered to static SVG at report time, so the HTML
// report carries no scripts and needs no network. Colours: the Okabe-Ito palette,
// distinguishable with the common colour-vision deficiencies; beyond eight optimizers,
// dash patterns and point shapes keep lines apart.
import type { TopLevelSpec } from 'vega-lite';

export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];

/** Scales that give each optimizer the same colour, dash and shape in every chart. */
function optimizerScales(optimizers: readonly string[]) {
  const range = <T>(xs: readonly T[]) => optimizers.map((_, i) => xs[i % xs.length]!);
  return {
    color: { field: 'optimizer', type: 'nominal' as const, scale: { domain: [...optimizers], range: range(OKABE_ITO) }, legend: { title: 'optimizer' } },
    strokeDash: { field: 'optimizer', type: 'nominal' as const, scale: { domain: [...optimizers], range: optimizers.map((_, i) => DASHES[Math.floor(i / OKABE_ITO.length) % DASHES.length]!) }, legend: { title: 'optimizer' } },
    shape: { field: 'optimizer', type: 'nominal' as const, scale: { domain: [...optimizers], range: range(SHAPES) }, legend: { title: 'optimizer' } },
  };
}

export interface BandPoint {
  readonly optimizer: string;
  readonly x: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** Mean with a shaded 95% band, one line per optimizer. */
export function bandChart(title: string, xTitle: string, yTitle: string, points: readonly BandPoint[], optimizers: readonly string[]): TopLevelSpec {
  const s = optimizerScales(optimizers);
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 340,
    height: 220,
    config: { legend: { symbolOpacity: 1 } },
    data: { values: points.map((p) => ({ ...p, low: Number.isFinite(p.low) ? p.low : p.mean, high: Number.isFinite(p.high) ? p.high : p.mean })) },
    layer: [
      { mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' }, color: s.color } },
      { mark: { type: 'line', point: true, strokeWidth: 1.8 }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { zero: false } }, color: s.color, strokeDash: s.strokeDash, shape: s.shape } },
    ],
  };
}

export interface CurvePoint {
  readonly optimizer: string;
  readonly step: number;
  readonly value: number;
}

/** Training curves over steps, optionally on a log scale. */
export function curveChart(title: string, yTitle: string, points: readonly CurvePoint[], optimizers: readonly string[], log: boolean): TopLevelSpec {
  const s = optimizerScales(optimizers);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 240,
    data: { values: points.filter((p) => Number.isFinite(p.value) && (!log || p.value > 0)).map((p) => ({ ...p })) },
    mark: { type: 'line', strokeWidth: 1.4, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'training step' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: log ? { type: 'log' } : { zero: false } },
      color: s.color,
      strokeDash: s.strokeDash,
    },
  };
}

/** Renders a Vega-Lite specification to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
