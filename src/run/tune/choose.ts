// Choosing from tuning trials: the point (a grid's learning rate, or a quasirandom trial's
// hyperparameters) with the best validation metric averaged over the tuning seeds. A
// diverged run scores worst. A choice at the edge of what was searched is flagged: the
// optimum may lie outside, widen the range. For a grid the edge is its first or last rate;
// for a quasirandom search, a value in the outer tenth of its dimension (on its own scale).
import { dimensionPosition, type Dimension, type Hyperparameters } from '../../core/optim/space.ts';

export type TuneMetric = 'accuracy' | 'loss';

/** `points` learning rates log-spaced from min to max inclusive. */
export function lrGrid(min: number, max: number, points: number): number[] {
  if (!(min > 0 && max > min && Number.isInteger(points) && points >= 2))
    throw new Error(`learning-rate grid needs 0 < min < max and at least 2 points, got [${min}, ${max}] with ${points}`);
  const a = Math.log10(min);
  const b = Math.log10(max);
  return Array.from({ length: points }, (_, i) => Number((10 ** (a + ((b - a) * i) / (points - 1))).toPrecision(6)));
}

export interface TuneTrial {
  readonly lr: number;
  /** The quasirandom trial's index and point (absent for a grid's). */
  readonly trial?: number;
  readonly params?: Hyperparameters;
  readonly seed: number;
  readonly diverged: boolean;
  readonly valAccuracy: number;
  readonly valLoss: number;
}

export interface TuneScore {
  readonly lr: number;
  readonly trial?: number;
  readonly params?: Hyperparameters;
  readonly score: number;
  readonly diverged: number;
}

export interface TuneChoice {
  readonly lr: number;
  /** The chosen point's hyperparameters (the learning rate alone for a grid). */
  readonly params: Hyperparameters;
  /** The chosen quasirandom trial. */
  readonly trial?: number;
  /** Mean validation metric per point: in grid order, or in trial order. */
  readonly scores: readonly TuneScore[];
  /** The chosen learning rate is at the low or high edge of what was searched. */
  readonly atEdge: 'low' | 'high' | null;
  /** Every chosen value at an edge of its range, the learning rate's included. */
  readonly edges: readonly { readonly name: string; readonly side: 'low' | 'high' }[];
}

const score = (t: TuneTrial, metric: TuneMetric): number => {
  const worst = metric === 'accuracy' ? -Infinity : Infinity;
  const v = metric === 'accuracy' ? t.valAccuracy : t.valLoss;
  return t.diverged || !Number.isFinite(v) ? worst : v;
};

/** The index of the best score; ties go to the first. */
function best(scores: readonly number[], metric: TuneMetric): number {
  let b = 0;
  scores.forEach((s, i) => {
    if (metric === 'accuracy' ? s > scores[b]! : s < scores[b]!) b = i;
  });
  return b;
}

export function chooseLearningRate(trials: readonly TuneTrial[], metric: TuneMetric): TuneChoice {
  const lrs = [...new Set(trials.map((t) => t.lr))].sort((x, y) => x - y);
  if (lrs.length === 0) throw new Error('no tuning trials to choose from');
  const scores = lrs.map((lr) => {
    const mine = trials.filter((t) => t.lr === lr);
    return { lr, score: mine.reduce((a, t) => a + score(t, metric), 0) / mine.length, diverged: mine.filter((t) => t.diverged).length };
  });
  // Ties go to the smaller learning rate (the first in grid order).
  const b = best(
    scores.map((s) => s.score),
    metric,
  );
  const atEdge = lrs.length < 2 ? null : b === 0 ? 'low' : b === lrs.length - 1 ? 'high' : null;
  return { lr: lrs[b]!, params: { lr: lrs[b]! }, scores, atEdge, edges: atEdge ? [{ name: 'lr', side: atEdge }] : [] };
}

/** The outer share of a dimension that counts as its edge. */
export const EDGE = 0.1;

/**
 * The best quasirandom trial among those with index below `budget` (every trial when
 * undefined): trials are grouped by index, each scored by its mean over the tuning seeds.
 */
export function chooseTrial(trials: readonly TuneTrial[], metric: TuneMetric, space: readonly (readonly [string, Dimension])[], budget?: number): TuneChoice {
  const indices = [...new Set(trials.map((t) => t.trial!))].filter((i) => budget === undefined || i < budget).sort((x, y) => x - y);
  if (indices.length === 0) throw new Error('no tuning trials to choose from');
  const scores = indices.map((trial) => {
    const mine = trials.filter((t) => t.trial === trial);
    return {
      trial,
      lr: mine[0]!.lr,
      params: mine[0]!.params!,
      score: mine.reduce((a, t) => a + score(t, metric), 0) / mine.length,
      diverged: mine.filter((t) => t.diverged).length,
    };
  });
  const chosen =
    scores[
      best(
        scores.map((s) => s.score),
        metric,
      )
    ]!;
  const edges = space.flatMap(([name, d]): { name: string; side: 'low' | 'high' }[] => {
    const u = dimensionPosition(d, chosen.params[name]!);
    return u === undefined ? [] : u < EDGE ? [{ name, side: 'low' }] : u > 1 - EDGE ? [{ name, side: 'high' }] : [];
  });
  return { lr: chosen.lr, params: chosen.params, trial: chosen.trial, scores, atEdge: edges.find((e) => e.name === 'lr')?.side ?? null, edges };
}
