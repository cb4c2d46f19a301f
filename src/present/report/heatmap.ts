// A labelled heat map as SVG: rows x columns of squares on one colour ramp, each with a
// tooltip, the row labels on the left and the column labels below. The report's per-class
// maps use it; the ramp is shared with the Fourier maps so one colour means one thing.
import { esc } from './format.ts';

/** White at 0 to dark blue at 1 (values outside clamp; NaN is grey). */
export function ramp(t: number): string {
  if (!Number.isFinite(t)) return 'rgb(200,200,200)';
  const u = Math.min(1, Math.max(0, t));
  const shade = (c0: number, c1: number) => Math.round(c0 + (c1 - c0) * u);
  return `rgb(${shade(255, 8)},${shade(255, 48)},${shade(255, 107)})`;
}

export interface HeatMap {
  readonly title: string;
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  /** values[row][column] */
  readonly values: readonly (readonly number[])[];
  /** The values at white and at the darkest blue. */
  readonly low: number;
  readonly high: number;
  /** A cell's tooltip. */
  readonly tip: (row: number, column: number) => string;
  /** Cells left out (the white of `low` shows through): a confusion matrix's zeros, most of a large one. */
  readonly blank?: (row: number, column: number) => boolean;
}

const CELL_W = 22;
const CELL_H = 14;
const CHAR = 6.2;
const SMALL_CHAR = 5.6;

export function heatMapSvg(m: HeatMap & { readonly columnTitle?: string }): string {
  const labelWidth = Math.ceil(Math.min(24, Math.max(...m.rows.map((r) => r.length))) * CHAR) + 6;
  const grid = m.columns.length * CELL_W;
  const width = labelWidth + Math.max(grid, (m.columnTitle?.length ?? 0) * SMALL_CHAR + 4);
  const height = m.rows.length * CELL_H + (m.columnTitle ? 28 : 16);
  const parts: string[] = [];
  m.rows.forEach((r, i) => {
    const label = r.length > 24 ? `${r.slice(0, 23)}…` : r;
    parts.push(`<text x="${labelWidth - 4}" y="${i * CELL_H + CELL_H - 3}" text-anchor="end" font-size="11">${esc(label)}</text>`);
    m.columns.forEach((_, j) => {
      if (m.blank?.(i, j)) return;
      const v = m.values[i]![j]!;
      parts.push(
        `<rect x="${labelWidth + j * CELL_W}" y="${i * CELL_H}" width="${CELL_W - 1}" height="${CELL_H - 1}" fill="${ramp((v - m.low) / (m.high - m.low))}">` +
          `<title>${esc(m.tip(i, j))}</title></rect>`,
      );
    });
  });
  // Column labels every k-th column, k chosen so that no two overlap; the last always.
  const widest = Math.max(...m.columns.map((c) => c.length)) * SMALL_CHAR + 4;
  const every = Math.max(1, Math.ceil(widest / CELL_W));
  const y = m.rows.length * CELL_H + 11;
  const shown = m.columns.map((_, j) => j).filter((j) => j % every === 0);
  const last = m.columns.length - 1;
  // The last column is always labelled; it displaces a regular label it would overlap.
  if (shown.at(-1) !== last) {
    if ((last - shown.at(-1)!) * CELL_W < widest) shown.pop();
    shown.push(last);
  }
  for (const j of shown)
    parts.push(`<text x="${labelWidth + j * CELL_W + CELL_W / 2}" y="${y}" text-anchor="middle" font-size="9.5">${esc(m.columns[j]!)}</text>`);
  if (m.columnTitle) parts.push(`<text x="${labelWidth}" y="${y + 13}" font-size="9.5" fill="#555">${esc(m.columnTitle)}</text>`);
  return `<svg role="img" aria-label="${esc(m.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** The ramp's legend: white = `low`, darkest = `high`. */
export function rampLegend(low: string, high: string): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => ramp(t)).join(',');
  const bar = `<span class="ramp" style="background:linear-gradient(to right,${stops})"></span>`;
  return `<span class="legend"><small>${esc(low)}</small> ${bar} <small>${esc(high)}</small></span>`;
}
