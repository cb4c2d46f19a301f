// Across-seed statistics: mean, sample std and a Student-t 95% interval; the paired
// t-test of one optimizer against the reference over shared seeds (same seed = same
// init and data order, so differences pair naturally); Welch's test for unpaired samples.
import { createRequire } from 'node:module';

// Loaded at first use: the two packages are some 400 small CommonJS modules (about 0.18 s to
// load), and most commands, and every pool worker, never compute an interval.
const require = createRequire(import.meta.url);
let cdf: ((x: number, df: number) => number) | undefined;
let quantile: ((p: number, df: number) => number) | undefined;
/** Student's t distribution function. */
export const tCdf = (x: number, df: number): number => (cdf ??= require('@stdlib/stats-base-dists-t-cdf') as typeof tCdf)(x, df);
/** Student's t quantile function. */
export const tQuantile = (p: number, df: number): number => (quantile ??= require('@stdlib/stats-base-dists-t-quantile') as typeof tQuantile)(p, df);
import { mean, variance } from './summary.ts';

export interface Interval {
  /** Finite values described. */
  readonly n: number;
  /** Values left out for being NaN or infinite (a diverged cell's loss is not a number to average). */
  readonly nonFinite: number;
  readonly mean: number;
  readonly std: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

export interface TestResult {
  readonly n: number;
  /** Mean difference (a − b). */
  readonly diff: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Two-sided p-value; NaN when the test is undefined (n < 2). */
  readonly p: number;
  /** A paired test's: the standard deviation of the paired differences (what its power depends on). */
  readonly sd?: number;
}

/** Two-sided p-value of a t statistic; a zero-variance difference gives p = 1 (no change) or 0. */
function twoSided(t: number, df: number): number {
  if (Number.isNaN(t)) return 1; // 0/0: identical samples
  if (!Number.isFinite(t)) return 0;
  return 2 * (1 - tCdf(Math.abs(t), df));
}

/** Mean, sample std and t interval (95%, or `level`) of the finite values; non-finite ones are counted, never averaged. */
export function describe(values: readonly number[], level = 0.95): Interval {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  const m = mean(xs);
  const sd = Math.sqrt(variance(xs));
  const half = n >= 2 ? tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n)) : Number.NaN;
  return { n, nonFinite: values.length - n, mean: m, std: sd, ciLow: m - half, ciHigh: m + half };
}

/**
 * Paired t-test on a[i] − b[i], over the pairs where both values are finite. With fewer than
 * 3 pairs whose differences are all equal (and not zero), the t statistic is infinite from a
 * sample too small to estimate a spread: p is NaN (untestable), not 0.
 */
export function pairedTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length !== b.length) throw new Error(`paired test needs equal lengths, got ${a.length} and ${b.length}`);
  const d = a.map((v, i) => v - b[i]!).filter((_v, i) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!));
  const { n, mean: diff, std, ciLow, ciHigh } = describe(d);
  if (n < 2 || (n < 3 && std === 0 && diff !== 0)) return { n, diff, ciLow, ciHigh, p: Number.NaN, sd: std };
  return { n, diff, ciLow, ciHigh, p: twoSided(diff / (std / Math.sqrt(n)), n - 1), sd: std };
}

/** Welch's unequal-variance t-test on mean(a) − mean(b), over the finite values of each. */
export function welchTest(allA: readonly number[], allB: readonly number[]): TestResult {
  const a = allA.filter(Number.isFinite);
  const b = allB.filter(Number.isFinite);
  const n = Math.min(a.length, b.length);
  const diff = mean(a) - mean(b);
  if (a.length < 2 || b.length < 2) return { n, diff, ciLow: Number.NaN, ciHigh: Number.NaN, p: Number.NaN };
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const df = se === 0 ? a.length + b.length - 2 : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = tQuantile(0.975, df) * se;
  return { n, diff, ciLow: diff - half, ciHigh: diff + half, p: twoSided(diff / se, df) };
}

const logit = (p: number) => Math.log(p / (1 - p));
const expit = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * For values in [0, 1] (accuracies): the Student-t 95% interval of the mean computed on the
 * logit scale and mapped back, so it never leaves (0, 1) and narrows towards 0 and 1 as
 * proportions do. Values are kept within [1e-4, 1 − 1e-4] first (logit(0) is infinite).
 * The mean itself is the plain mean of the values.
 */
export function describeFraction(values: readonly number[]): Interval {
  const plain = describe(values);
  if (plain.n < 2) return plain;
  const z = values.filter(Number.isFinite).map((v) => logit(Math.min(1 - 1e-4, Math.max(1e-4, v))));
  const t = describe(z);
  return { ...plain, ciLow: expit(t.ciLow), ciHigh: expit(t.ciHigh) };
}
