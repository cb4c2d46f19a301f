// Relations between robustness and its candidate explanations, across a run's cells (one
// point per arm and seed): Spearman's rank correlation with a percentile bootstrap 95%
// interval (cells resampled with replacement, 2,000 times, from a fixed seed). Robustness is
// each perturbation's accuracy_auc at matched clean accuracy when the run has a matched
// phase, else at the end of training; the explanations are those the run measured.
import { M, FAMILY } from '../../measure/metrics/catalog.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';
import { armId } from '../experiment/grid.ts';
import type { RunView } from './view.ts';

/** Ranks (1-based, ties averaged). */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's ρ: Pearson's correlation of the ranks (NaN when either side is constant). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

export const BOOTSTRAP_RESAMPLES = 2000;

/** ρ with its percentile bootstrap interval. */
export function spearmanInterval(x: readonly number[], y: readonly number[], seed = 0): { rho: number; low: number; high: number; n: number } {
  const rho = spearman(x, y);
  const rng = new BulkRng(seed, 'relations:bootstrap');
  const n = x.length;
  const stats: number[] = [];
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = rng.nextUint32() % n;
      xs.push(x[k]!);
      ys.push(y[k]!);
    }
    const r = spearman(xs, ys);
    if (Number.isFinite(r)) stats.push(r);
  }
  stats.sort((a, b) => a - b);
  const q = (p: number) => (stats.length ? stats[Math.min(stats.length - 1, Math.floor(p * stats.length))]! : Number.NaN);
  return { rho, low: q(0.025), high: q(0.975), n };
}

export interface Relation {
  readonly explanation: string;
  readonly perturbation: string;
  readonly rho: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

/** The candidate explanations: (label, perturbation, metric) of a cell's measurements. */
export const EXPLANATIONS: readonly (readonly [string, string, string])[] = [
  ['sharpness (top Hessian eigenvalue)', 'train', M.hessianTop.name],
  ['Hessian trace', 'train', M.hessianTrace.name],
  ['input-gradient L2 norm (mean)', CLEAN, `${FAMILY.inputGradL2}_mean`],
  ['high-frequency sensitivity (Fourier heat map)', CLEAN, M.fourierHigh.name],
  ['clean accuracy', CLEAN, M.accuracy.name],
];

export function relations(view: RunView): { robustness: string; rows: Relation[] } {
  const matched = view.rows.some((r) => r.measurements.some((m) => m.metric === M.matchedAuc.name));
  const robustness = matched ? M.matchedAuc.name : M.auc.name;
  const cell = (m: { model: string; regime: string; optimizer: string; seed: number }) => `${armId(m)}\u0000${m.seed}`;
  const values = new Map<string, Map<string, number>>();
  for (const r of view.rows)
    for (const m of r.measurements) {
      const k = cell(m);
      if (!values.has(k)) values.set(k, new Map());
      values.get(k)!.set(`${m.perturbation}\u0000${m.metric}`, m.value);
    }
  const families = [...new Set(view.rows.flatMap((r) => r.measurements.filter((m) => m.metric === robustness).map((m) => m.perturbation)))];
  const rows: Relation[] = [];
  for (const [label, perturbation, metric] of EXPLANATIONS) {
    for (const family of families) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const v of values.values()) {
        const x = v.get(`${perturbation}\u0000${metric}`);
        const y = v.get(`${family}\u0000${robustness}`);
        if (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y)) {
          xs.push(x);
          ys.push(y);
        }
      }
      if (xs.length >= 4) rows.push({ explanation: label, perturbation: family, ...spearmanInterval(xs, ys) });
    }
  }
  return { robustness, rows };
}
