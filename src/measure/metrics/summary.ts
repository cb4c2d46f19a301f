// Distribution summaries of a series (gradient norms, update norms, per-example
// input-gradient norms): finite values only, with the count of non-finite ones.

export interface Summary {
  readonly count: number;
  readonly nonFinite: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); NaN for fewer than two values. */
  readonly std: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

/** Quantile q of sorted values with linear interpolation (numpy's default, type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Sample variance with the n - 1 denominator (two-pass for accuracy). */
export function variance(xs: ArrayLike<number>): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - 1);
}

export function summarize(values: ArrayLike<number>): Summary {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  const sorted = Float64Array.from(finite).sort();
  return {
    count: values.length,
    nonFinite: values.length - finite.length,
    mean: mean(sorted),
    std: Math.sqrt(variance(sorted)),
    min: sorted.length ? sorted[0]! : Number.NaN,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** The median of the finite values (NaN when there are none). */
export function median(values: readonly number[]): number {
  return quantile(Float64Array.from(values.filter(Number.isFinite)).sort(), 0.5);
}
