// Charts: Vega-Lite specifications rendered to static SVG at report time, so the HTML
// report carries no scripts and needs no network. Every chart that shows arms gives each
// arm the same colour, shape and dash: twelve colours dark enough to read on white
// (Okabe-Ito without its yellow, then Paul Tol's), six point shapes cycling at a different
// pace, and dashed lines past twelve arms, so no two of 72 arms share all three. Accuracy is
// in percent on a fixed 0-100 axis; small multiples share one legend.
import type { TopLevelSpec } from 'vega-lite';

export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#882255', '#117733', '#332288', '#999933', '#AA4499'];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];
const DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
];
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Width the page gives charts (a 1280 px window less the margins; a wider page gives figures more columns, not wider charts). */
export const PAGE_WIDTH = 1180;

/**
 * Encodings that give each arm the same colour, shape and dash in every chart: the scales
 * always span every arm of the run, in its order; `shown` limits the legend to the arms a
 * chart draws (a forest plot has no row for the reference).
 */
export function armScales(arms: readonly string[], field = 'arm', title = 'arm', shown?: readonly string[]) {
  const domain = [...arms];
  const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;
  const legend = { title, ...(shown ? { values: [...shown] } : {}) };
  return {
    color: { field, type: 'nominal' as const, scale: { domain, range: arms.map((_, i) => pick(PALETTE, i)) }, legend },
    shape: { field, type: 'nominal' as const, scale: { domain, range: arms.map((_, i) => pick(SHAPES, i)) }, legend },
    strokeDash: {
      field,
      type: 'nominal' as const,
      scale: { domain, range: arms.map((_, i) => DASHES[Math.floor(i / PALETTE.length) % DASHES.length]!) },
      legend,
    },
  };
}

/** Columns of small multiples that fit the page at a given panel width. */
const columnsFor = (panels: number, panelWidth: number) => Math.max(1, Math.min(panels, Math.floor(PAGE_WIDTH / (panelWidth + 40))));

export interface BandPoint {
  /** The small multiple it belongs to. */
  readonly panel: string;
  readonly arm: string;
  readonly x: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** A change marked at this point (history's change points): a red triangle for worse, a green one for better. */
  readonly mark?: 'worse' | 'better';
}

/**
 * Small multiples, one per panel: each arm's mean as a line with points and its 95% band.
 * `percent`: values are fractions shown as percent on a fixed 0-100 axis (`fit`: an axis
 * fitted to the values, for small changes over time). `xTitle` names the x axis under
 * each panel; `integerX` labels whole numbers only (run numbers).
 */
export function bandPanels(o: {
  title: string;
  yTitle: string;
  points: readonly BandPoint[];
  arms: readonly string[];
  percent: boolean;
  log?: boolean;
  panelWidth?: number;
  xTitle?: string;
  integerX?: boolean;
  fit?: boolean;
}): TopLevelSpec {
  const s = armScales(o.arms);
  const k = o.percent ? 100 : 1;
  const panels = [...new Set(o.points.map((p) => p.panel))];
  const width = o.panelWidth ?? 200;
  const values = o.points
    .filter((p) => Number.isFinite(p.mean) && (!o.log || p.mean > 0))
    .map((p) => ({
      panel: p.panel,
      arm: p.arm,
      x: p.x,
      mean: k * p.mean,
      low: k * (Number.isFinite(p.low) ? p.low : p.mean),
      high: k * (Number.isFinite(p.high) ? p.high : p.mean),
      ...(p.mark ? { mark: p.mark } : {}),
    }));
  const y =
    o.percent && !o.fit ? { scale: { domain: [0, 100] }, title: o.yTitle } : { scale: o.log ? { type: 'log' as const } : { zero: false }, title: o.yTitle };
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: o.xTitle ?? null,
    axis: { labelOverlap: true, ...(o.integerX ? { tickMinStep: 1, format: 'd' } : {}) },
  };
  const changes = (['worse', 'better'] as const)
    .filter((m) => values.some((v) => 'mark' in v && v.mark === m))
    .map((m) => ({
      transform: [{ filter: `datum.mark === '${m}'` }],
      mark: { type: 'point' as const, shape: m === 'worse' ? 'triangle-down' : 'triangle-up', size: 110, filled: true, opacity: 1 },
      encoding: { x, y: { field: 'mean', type: 'quantitative' as const, ...y }, color: { value: m === 'worse' ? '#C00000' : '#2ca02c' } },
    }));
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12, labelFontWeight: 'bold' } },
    columns: columnsFor(panels.length, width),
    resolve: { scale: { x: 'independent' } },
    spec: {
      width,
      height: 150,
      layer: [
        { mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'low', type: 'quantitative', ...y }, y2: { field: 'high' }, color: s.color } },
        {
          mark: { type: 'line', point: true, strokeWidth: 1.6, clip: true },
          encoding: { x, y: { field: 'mean', type: 'quantitative', ...y }, color: s.color, shape: s.shape, strokeDash: s.strokeDash },
        },
        ...changes,
      ],
    },
    config: { legend: { orient: 'top', columns: Math.min(o.arms.length, 6), symbolOpacity: 1 } },
  } as TopLevelSpec;
}

/** Each arm's points in its colour and shape: the others small and faint, those with `flag` set (a mean, a chosen trial) large. */
function emphasised(
  x: object,
  y: object,
  s: ReturnType<typeof armScales>,
  flag: string,
  size: { readonly small: number; readonly opacity: number; readonly large: number },
) {
  const encoding = { x, y, color: s.color, shape: s.shape };
  return [
    { transform: [{ filter: `!datum.${flag}` }], mark: { type: 'point', size: size.small, opacity: size.opacity, filled: true }, encoding },
    { transform: [{ filter: `datum.${flag}` }], mark: { type: 'point', size: size.large, filled: true, stroke: 'white', strokeWidth: 1 }, encoding },
  ];
}

export interface ScatterPoint {
  readonly arm: string;
  readonly x: number;
  readonly y: number;
  /** A mean over seeds (drawn large and labelled) or one seed. */
  readonly mean: boolean;
}

/** Clean accuracy against robust accuracy: one small point per (arm, seed), the arm's mean large and labelled. */
export function tradeOffScatter(o: { title: string; xTitle: string; yTitle: string; points: readonly ScatterPoint[]; arms: readonly string[] }): TopLevelSpec {
  const s = armScales(o.arms);
  const values = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ ...p, x: 100 * p.x, y: 100 * p.y }));
  const xs = values.map((v) => v.x);
  const ys = values.map((v) => v.y);
  const pad = (lo: number, hi: number) => [Math.max(0, Math.floor(lo - 2)), Math.min(100, Math.ceil(hi + 2))];
  const x = { field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: { domain: pad(Math.min(...xs), Math.max(...xs)) } };
  const y = { field: 'y', type: 'quantitative' as const, title: o.yTitle, scale: { domain: pad(Math.min(...ys), Math.max(...ys)) } };
  return {
    $schema: SCHEMA,
    title: o.title,
    width: 460,
    height: 300,
    data: { values },
    layer: [
      ...emphasised(x, y, s, 'mean', { small: 30, opacity: 0.45, large: 160 }),
      { transform: [{ filter: 'datum.mean' }], mark: { type: 'text', dx: 9, align: 'left', fontSize: 11 }, encoding: { x, y, text: { field: 'arm' } } },
    ],
    config: { legend: { orient: 'right' } },
  } as TopLevelSpec;
}

export interface TrialPoint {
  readonly arm: string;
  readonly x: number;
  readonly y: number;
  /** The arm's chosen trial: drawn large. */
  readonly chosen: boolean;
}

/** Tuning trials: one point per (arm, trial), the chosen ones large; y in percent when `percent`. */
export function trialScatter(o: {
  title: string;
  xTitle: string;
  yTitle: string;
  percent: boolean;
  points: readonly TrialPoint[];
  arms: readonly string[];
}): TopLevelSpec {
  const s = armScales(o.arms);
  const values = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ ...p, y: o.percent ? 100 * p.y : p.y }));
  const x = { field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: { zero: false } };
  const y = { field: 'y', type: 'quantitative' as const, title: o.yTitle, scale: o.percent ? { domain: [0, 100] } : { zero: false } };
  return {
    $schema: SCHEMA,
    title: o.title,
    width: 460,
    height: 300,
    data: { values },
    layer: [...emphasised(x, y, s, 'chosen', { small: 40, opacity: 0.6, large: 180 })],
    config: { legend: { orient: 'right' } },
  } as TopLevelSpec;
}

export interface ForestRow {
  readonly panel: string;
  readonly arm: string;
  readonly diff: number;
  readonly low: number;
  readonly high: number;
  readonly significant: boolean;
}

/**
 * Paired differences from the reference with 95% intervals, one panel per perturbation on
 * one shared x scale (so panels compare at a glance); filled where significant after correction.
 */
export function forestPlot(o: { title: string; xTitle: string; rows: readonly ForestRow[]; arms: readonly string[]; shown?: readonly string[] }): TopLevelSpec {
  const s = armScales(o.arms, 'arm', 'arm', o.shown);
  const panels = [...new Set(o.rows.map((r) => r.panel))];
  const values = o.rows
    .filter((r) => Number.isFinite(r.diff))
    .map((r) => ({
      ...r,
      diff: 100 * r.diff,
      low: 100 * (Number.isFinite(r.low) ? r.low : r.diff),
      high: 100 * (Number.isFinite(r.high) ? r.high : r.diff),
      mark: r.significant ? 'q < 0.05' : 'not significant',
    }));
  const y = { field: 'arm', type: 'nominal' as const, title: null, sort: [...(o.shown ?? o.arms)] };
  const x = { field: 'diff', type: 'quantitative' as const, title: o.xTitle };
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontWeight: 'bold' } },
    columns: columnsFor(panels.length, 170),
    spec: {
      width: 170,
      height: { step: 16 },
      layer: [
        { mark: { type: 'rule', color: '#999', strokeDash: [3, 3] }, encoding: { x: { datum: 0 } } },
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' }, color: s.color } },
        {
          mark: { type: 'point', size: 55, strokeWidth: 1.5 },
          encoding: {
            y,
            x,
            color: s.color,
            shape: s.shape,
            fill: {
              field: 'mark',
              type: 'nominal',
              scale: { domain: ['q < 0.05', 'not significant'], range: ['#333', 'white'] },
              legend: { title: 'vs reference' },
            },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

export interface DepthPoint {
  readonly arm: string;
  readonly depth: number;
  /** start, middle or end of training. */
  readonly when: string;
  readonly norm: number;
}

/** Gradient norm against layer depth, one panel per arm, a line per moment of training (log scale). */
export function depthPanels(o: { title: string; points: readonly DepthPoint[]; arms: readonly string[] }): TopLevelSpec {
  const values = o.points.filter((p) => Number.isFinite(p.norm) && p.norm > 0);
  const when = ['start', 'middle', 'end'];
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    facet: { field: 'arm', type: 'nominal', title: null, sort: [...o.arms], header: { labelFontWeight: 'bold' } },
    columns: columnsFor(o.arms.length, 180),
    spec: {
      width: 180,
      height: 130,
      mark: { type: 'line', point: true, strokeWidth: 1.6 },
      encoding: {
        x: { field: 'depth', type: 'quantitative', title: 'layer depth (1 = input side)', axis: { tickMinStep: 1 } },
        y: { field: 'norm', type: 'quantitative', title: '‖∇W‖ (log scale)', scale: { type: 'log' } },
        color: {
          field: 'when',
          type: 'nominal',
          scale: { domain: when, range: ['#9ecae1', '#3182bd', '#08306b'] },
          legend: { title: 'training', orient: 'top' },
        },
        strokeDash: {
          field: 'when',
          type: 'nominal',
          scale: {
            domain: when,
            range: [
              [2, 2],
              [6, 3],
              [1, 0],
            ],
          },
          legend: { title: 'training', orient: 'top' },
        },
      },
    },
  } as TopLevelSpec;
}

/**
 * Loads the chart libraries and renders one small chart of each kind the report draws, so
 * that their first real use is not their first use: a command calls it while its cells run,
 * and the report it writes after the last one takes half the time.
 */
export async function warmCharts(): Promise<void> {
  const arms = ['a', 'b'];
  const points = arms.flatMap((arm, i) => [0, 1].map((x) => ({ panel: 'p', arm, x, mean: 0.5 + 0.1 * i, low: 0.4, high: 0.6 })));
  await renderSvg(bandPanels({ title: 'warm', yTitle: 'y', points, arms, percent: true }));
  await renderSvg(tradeOffScatter({ title: 'warm', xTitle: 'x', yTitle: 'y', points: arms.map((arm, i) => ({ arm, x: 0.5, y: 0.1 * i, mean: true })), arms }));
  await renderSvg(
    forestPlot({ title: 'warm', xTitle: 'x', rows: arms.map((arm) => ({ panel: 'p', arm, diff: 0.1, low: 0, high: 0.2, significant: false })), arms }),
  );
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
