// A group-sequential procedure for adding seeds until a comparison is decided (--seeds auto).
// The seeds come in looks of n_1 < n_2 < ... < n_K = max; at look k a comparison's paired
// differences over its n_k seeds give a Student-t interval at level 1 - a_k, where a_k is
// the increment of an alpha-spending function over the information fraction t_k = n_k / max:
//
//   a(t) = alpha · ln(1 + (e - 1)·t)     Lan & DeMets (1983), "Discrete sequential boundaries
//                                        for clinical trials", Biometrika 70(3): the
//                                        Pocock-type spending function, a(1) = alpha
//   a_k  = a(t_k) - a(t_{k-1})
//
// The increments sum to alpha, so by the union bound over looks the chance that any look's
// interval misses the true mean difference is at most alpha, whenever the procedure stops
// (Bonferroni over the looks: conservative beside the exact Lan-DeMets boundaries, which
// account for the looks' correlation, and valid for any stopping rule that reads the
// intervals). A comparison is decided once its interval excludes zero (the arms differ) or
// lies within ±delta (they are equivalent to within delta); the procedure stops at the first
// look where every comparison is decided, or at max. The error rate is per comparison.
import { describe } from './stats.ts';

/** Pocock-type alpha spending: the error spent by information fraction t in [0, 1]. */
export const spent = (t: number, alpha: number): number => alpha * Math.log(1 + (Math.E - 1) * Math.min(1, Math.max(0, t)));

/** The seeds at each look: min, min + round, ..., max (max always a look). */
export function looks(min: number, max: number, round: number): number[] {
  const out: number[] = [];
  for (let n = min; n < max; n += round) out.push(n);
  out.push(max);
  return out;
}

/** The level each look's interval is taken at (the spending function's increments; they sum to alpha). */
export function lookLevels(sizes: readonly number[], alpha: number): number[] {
  const max = sizes[sizes.length - 1]!;
  return sizes.map((n, k) => spent(n / max, alpha) - (k === 0 ? 0 : spent(sizes[k - 1]! / max, alpha)));
}

export type Decision = 'differ' | 'equivalent' | 'undecided';

export interface LookInterval {
  readonly n: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly decision: Decision;
}

/** The interval of paired differences `d` (one per seed) at a look of level `a`, and what it decides. */
export function lookInterval(d: readonly number[], a: number, delta: number): LookInterval {
  const n = d.length;
  if (n < 2 || d.some((x) => !Number.isFinite(x))) return { n, mean: Number.NaN, low: Number.NaN, high: Number.NaN, decision: 'undecided' };
  const { mean, ciLow: low, ciHigh: high } = describe(d, 1 - a);
  const decision: Decision = low > 0 || high < 0 ? 'differ' : low >= -delta && high <= delta ? 'equivalent' : 'undecided';
  return { n, mean, low, high, decision };
}

export interface SequentialOutcome {
  /** The look the procedure stopped at (its seed count), or undefined while a look's data are missing. */
  readonly stoppedAt: number | undefined;
  /** Seeds to run now: the stopping look's, or the first look whose data are incomplete. */
  readonly seeds: number;
  /** Each comparison's interval at the stopping look (or the last complete one). */
  readonly intervals: readonly LookInterval[];
}

/**
 * Runs the procedure over `differences(n)`: each comparison's paired differences over the
 * first n seeds, or undefined while any of them is missing.
 */
export function sequentialSeeds(
  o: { readonly min: number; readonly max: number; readonly round: number; readonly alpha: number; readonly delta: number },
  differences: (n: number) => readonly (readonly number[])[] | undefined,
): SequentialOutcome {
  const sizes = looks(o.min, o.max, o.round);
  const levels = lookLevels(sizes, o.alpha);
  let intervals: LookInterval[] = [];
  for (let k = 0; k < sizes.length; k++) {
    const d = differences(sizes[k]!);
    if (!d) return { stoppedAt: undefined, seeds: sizes[k]!, intervals };
    intervals = d.map((x) => lookInterval(x, levels[k]!, o.delta));
    if (k === sizes.length - 1 || intervals.every((i) => i.decision !== 'undecided')) return { stoppedAt: sizes[k]!, seeds: sizes[k]!, intervals };
  }
  throw new Error('unreachable: the last look always stops');
}
