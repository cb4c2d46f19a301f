// The scrambled Halton sequence the tuner draws its trials from (AlgoPerf's choice of a
// quasirandom search): dimension k is the van der Corput sequence in the k-th prime base,
// its digits put through random permutations, one per digit position, as Owen's
// "randomized Halton" (Owen 2017, arXiv:1706.02808, Algorithm 1) and scipy.stats.qmc.Halton
// (scramble=True) do. A point depends only on its index, so the first n trials of a longer
// search are the n-trial search (budgets are nested prefixes).
import { createRng, permutation, type Rng } from '../../core/util/rng.ts';

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];

/** The bases of the first `d` dimensions. */
export function haltonBases(d: number): number[] {
  if (!(Number.isInteger(d) && d >= 1 && d <= PRIMES.length)) throw new Error(`Halton dimensions must be 1..${PRIMES.length}, got ${d}`);
  return PRIMES.slice(0, d);
}

/**
 * The digit permutations of one base: one per digit position while base^-k is above 2^-54
 * (a float64 sees no finer digit), scipy's count.
 */
export function digitPermutations(base: number, rng: Rng): Uint32Array[] {
  const count = Math.ceil(54 / Math.log2(base)) - 1;
  return Array.from({ length: count }, () => permutation(base, rng));
}

/** Element `index` (0-based) of the van der Corput sequence in `base`, scrambled by `perms` when given. */
export function vanDerCorput(index: number, base: number, perms?: readonly ArrayLike<number>[]): number {
  let q = index;
  let scale = 1 / base;
  let v = 0;
  if (!perms) {
    while (q > 0) {
      v += (q % base) * scale;
      q = Math.floor(q / base);
      scale /= base;
    }
    return v;
  }
  // Every digit position is permuted, the leading zeros too: that is what spreads a scrambled point over the whole cell.
  for (const p of perms) {
    v += p[q % base]! * scale;
    q = Math.floor(q / base);
    scale /= base;
  }
  return v;
}

/** A seeded scrambled Halton sequence in `d` dimensions: the same seed, the same points. */
export function scrambledHalton(d: number, seed: number): (index: number) => number[] {
  const bases = haltonBases(d);
  const perms = bases.map((b, k) => digitPermutations(b, createRng(seed, `halton/${k}`)));
  return (index) => bases.map((b, k) => vanDerCorput(index, b, perms[k]));
}
