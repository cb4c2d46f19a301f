// How decisive a comparison could have been: the power of the paired t-test across seeds (the
// test pairedTest runs), exactly, from the noncentral t distribution:
//   power(δ/σ, n) = P(|T| > t_{1-α/2, n-1}),  T = (Z + λ) / sqrt(V / (n-1)),  λ = (δ/σ)·sqrt(n),
// Z standard normal, V chi-squared with n-1 degrees of freedom; computed as
//   E_V[ Φ(λ - t·S) + Φ(-λ - t·S) ],  S = sqrt(V / (n-1)),
// integrated over u = sqrt(V) (smooth for every n ≥ 2) by Simpson's rule. From it: the smallest
// difference a run could have detected at 80% power given the spread of its paired differences,
// and the seeds it would take to detect a stated difference. Both take the observed spread as
// the true one: with 3 seeds that spread is itself rough, so they are a guide, not a guarantee.
// The level is the nominal α per comparison; the report's marks also correct for multiplicity
// (Benjamini-Hochberg), which needs somewhat more.
import { tQuantile } from './stats.ts';

/** The power the detectable difference is defined at. */
export const POWER = 0.8;
/** The level of the test. */
export const ALPHA = 0.05;
/** The difference "seeds needed" is stated for, for accuracies (2 points). */
export const STATED_DIFFERENCE = 0.02;
/** Seeds searched up to; a difference needing more has seeds_needed = Infinity. */
export const MAX_SEEDS = 10_000;

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error about 1e-15). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The standard normal distribution function (erfc by Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** Power of the two-sided paired t-test at level `alpha` with n pairs, for a true mean difference of `effect` standard deviations. */
export function pairedPower(effect: number, n: number, alpha = ALPHA): number {
  if (!(n >= 2) || !Number.isFinite(effect)) return Number.NaN;
  const df = n - 1;
  const t = tQuantile(1 - alpha / 2, df);
  const lambda = Math.abs(effect) * Math.sqrt(n);
  // Density of u = sqrt(V): 2u·f_V(u²) = u^(df-1)·exp(-u²/2) / (2^(df/2 - 1)·Γ(df/2)).
  const logNorm = -(df / 2 - 1) * Math.LN2 - logGamma(df / 2);
  const density = (u: number) => (u === 0 ? (df === 1 ? Math.exp(logNorm) : 0) : Math.exp(logNorm + (df - 1) * Math.log(u) - (u * u) / 2));
  const top = Math.sqrt(df) + 12;
  const steps = 2000;
  const h = top / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const u = i * h;
    const s = u / Math.sqrt(df);
    const f = density(u) * (normalCdf(lambda - t * s) + normalCdf(-lambda - t * s));
    sum += f * (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2);
  }
  return Math.min(1, (sum * h) / 3);
}

const effects = new Map<string, number>();

/** The smallest true difference the paired t-test detects with probability POWER, given n pairs whose differences spread by `sd`. */
export function detectableDifference(sd: number, n: number, alpha = ALPHA, power = POWER): number {
  if (!(n >= 2) || !Number.isFinite(sd) || sd < 0) return Number.NaN;
  if (sd === 0) return 0;
  // In units of sd it depends on n alone: one search per n.
  const key = `${n}|${alpha}|${power}`;
  if (!effects.has(key)) effects.set(key, detectableEffect(n, alpha, power));
  return effects.get(key)! * sd;
}

function detectableEffect(n: number, alpha: number, power: number): number {
  let lo = 0;
  let hi = 1;
  while (pairedPower(hi, n, alpha) < power) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (pairedPower(mid, n, alpha) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The fewest pairs (seeds) at which the paired t-test detects `difference` with probability POWER, differences spreading by `sd`. */
export function seedsNeeded(difference: number, sd: number, alpha = ALPHA, power = POWER): number {
  if (!Number.isFinite(sd) || sd < 0 || !(difference > 0)) return Number.NaN;
  if (sd === 0) return 2;
  const effect = difference / sd;
  const enough = (n: number) => pairedPower(effect, n, alpha) >= power;
  if (!enough(MAX_SEEDS)) return Number.POSITIVE_INFINITY;
  let lo = 2;
  if (enough(lo)) return lo;
  let hi = MAX_SEEDS;
  // Power grows with n: bisect for the first n that is enough.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
