// The Fourier heat maps of a run (suites with `fourier`): fourier.csv, one row per cell and
// frequency, and the report's section, one map per arm (mean error over seeds).
import { toCsv } from './csv.ts';
import { cell, esc } from './format.ts';
import { ramp } from './heatmap.ts';
import { armName, type RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main } from '../../run/experiment/phases/main.ts';
import { armId } from '../../run/experiment/grid.ts';
import type { FourierHeatMap } from '../../measure/metrics/fourier-heatmap.ts';

export const FOURIER_COLUMNS = ['model', 'regime', 'optimizer', 'seed', 'eps', 'examples', 'freq_v', 'freq_h', 'error'] as const;

/** Rows per cell and frequency: vertical then horizontal frequency in cycles per image (0, 0 the constant image). */
export function fourierCsv(view: RunView): string {
  const rows: string[][] = [];
  for (const { key: k, result: r } of phaseResults(view.records, main)) {
    const f = r.fourier;
    if (!f) continue;
    for (let row = 0; row < f.height; row++) {
      for (let col = 0; col < f.width; col++) {
        rows.push(
          [
            k.model,
            k.regime,
            k.optimizer,
            k.seed,
            f.eps,
            f.examples,
            row - Math.floor(f.height / 2),
            col - Math.floor(f.width / 2),
            f.error[row * f.width + col],
          ].map(cell),
        );
      }
    }
  }
  return toCsv(FOURIER_COLUMNS, rows);
}

const PIXEL = 4;

/** White (error `low`) to dark blue (error `top`), as an SVG of one square per frequency. */
function mapSvg(error: readonly number[], h: number, w: number, low: number, top: number, title: string): string {
  const rects: string[] = [];
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const e = error[row * w + col]!;
      const t = Number.isFinite(e) ? (e - low) / (top - low) : 0;
      rects.push(
        `<rect x="${col * PIXEL}" y="${row * PIXEL}" width="${PIXEL}" height="${PIXEL}" ` +
          `fill="${ramp(t)}"><title>${row - Math.floor(h / 2)}, ` +
          `${col - Math.floor(w / 2)}: ${(100 * e).toFixed(1)}%</title></rect>`,
      );
    }
  }
  return (
    `<svg role="img" aria-label="${esc(title)}" width="${w * PIXEL}" height="${h * PIXEL}" viewBox="0 0 ` + `${w * PIXEL} ${h * PIXEL}">${rects.join('')}</svg>`
  );
}

export function fourierSection(view: RunView): string {
  const maps = new Map<string, FourierHeatMap[]>();
  for (const { key, result } of phaseResults(view.records, main)) {
    if (!result.fourier) continue;
    const id = armId(key);
    maps.set(id, [...(maps.get(id) ?? []), result.fourier]);
  }
  if (!maps.size) return '';
  const means = view.arms.flatMap((a) => {
    const list = maps.get(a.id);
    if (!list?.length) return [];
    const { height: h, width: w, eps, examples } = list[0]!;
    const mean = list[0]!.error.map((_, i) => list.reduce((s, m) => s + m.error[i]!, 0) / list.length);
    return [{ name: armName(view, a), h, w, eps, examples, mean, seeds: list.length }];
  });
  // One scale for every map, from the run's lowest to its highest error: the floor is the
  // clean error, so a scale from 0 would leave every map nearly uniform.
  const finite = means.flatMap((m) => m.mean.filter(Number.isFinite));
  const low = Math.min(...finite);
  const top = Math.max(low + 1e-9, ...finite);
  const figures = means
    .map((m) => `<figure class="fourier">${mapSvg(m.mean, m.h, m.w, low, top, `${m.name}: Fourier heat map`)}<figcaption>${esc(m.name)}</figcaption></figure>`)
    .join('');
  const first = means[0]!;
  return (
    `<section id="fourier"><h2>Fourier heat maps</h2><p class="note">Test error (first ${first.examples} examples) ` +
    `under a perturbation of L2 norm ${first.eps} along each 2-D Fourier basis image (Yin et al. 2019), mean over ` +
    `seeds; the centre is the constant image, frequencies grow outwards. One scale for all: white is ` +
    `${(100 * low).toFixed(1)}%, the lowest error in this run, the darkest blue ${(100 * top).toFixed(1)}%, the ` +
    `highest; hover for the frequency and error. Every cell's map is in fourier.csv.</p><div ` +
    `class="grid">${figures}</div></section>`
  );
}
