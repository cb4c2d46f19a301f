// Learning-rate tuning: a log-spaced grid, and the choice of the best grid point by the
// validation metric averaged over the tuning seeds. A diverged run scores worst. A choice
// at either end of the grid is flagged: the optimum may lie outside, widen the grid.

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
  readonly seed: number;
  readonly diverged: boolean;
  readonly valAccuracy: number;
  readonly valLoss: number;
}

export interface TuneChoice {
  readonly lr: number;
  /** Mean validation metric per grid point, in grid order. */
  readonly scores: readonly { readonly lr: number; readonly score: number; readonly diverged: number }[];
  /** The chosen rate is the smallest or largest of the grid. */
  readonly atEdge: 'low' | 'high' | null;
}

export function chooseLearningRate(trials: readonly TuneTrial[], metric: TuneMetric): TuneChoice {
  const lrs = [...new Set(trials.map((t) => t.lr))].sort((x, y) => x - y);
  if (lrs.length === 0) throw new Error('no tuning trials to choose from');
  const worst = metric === 'accuracy' ? -Infinity : Infinity;
  const scores = lrs.map((lr) => {
    const mine = trials.filter((t) => t.lr === lr);
    const values = mine.map((t) =>
      t.diverged || !Number.isFinite(metric === 'accuracy' ? t.valAccuracy : t.valLoss) ? worst : metric === 'accuracy' ? t.valAccuracy : t.valLoss,
    );
    return { lr, score: values.reduce((a, b) => a + b, 0) / values.length, diverged: mine.filter((t) => t.diverged).length };
  });
  // Best score; ties go to the smaller learning rate (the first in grid order).
  let best = 0;
  scores.forEach((s, i) => {
    if (metric === 'accuracy' ? s.score > scores[best]!.score : s.score < scores[best]!.score) best = i;
  });
  const atEdge = lrs.length < 2 ? null : best === 0 ? 'low' : best === lrs.length - 1 ? 'high' : null;
  return { lr: lrs[best]!, scores, atEdge };
}
