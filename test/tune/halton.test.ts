// The quasirandom sequence against scipy.stats.qmc.Halton (scripts/reference/halton_fixtures.py):
// the plain sequence point for point, and the scrambled one given the digit permutations
// scipy drew, exactly (the same float64 sums in the same order).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digitPermutations, haltonBases, scrambledHalton, vanDerCorput } from '../../src/run/tune/halton.ts';
import { createRng } from '../../src/core/util/rng.ts';

const ref = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'halton.json'), 'utf8')) as {
  bases: number[];
  plain: number[][];
  scrambled: { seed: number; permutations: number[][][]; points: number[][] };
};

describe('Halton sequence', () => {
  it('is scipy qmc.Halton(scramble=False), every point exact', () => {
    expect(haltonBases(ref.bases.length)).toEqual(ref.bases);
    ref.plain.forEach((point, i) => {
      expect(ref.bases.map((b) => vanDerCorput(i, b))).toEqual(point);
    });
  });

  it('is scipy qmc.Halton(scramble=True) given the same digit permutations, every point exact', () => {
    ref.scrambled.points.forEach((point, i) => {
      expect(ref.bases.map((b, k) => vanDerCorput(i, b, ref.scrambled.permutations[k]))).toEqual(point);
    });
    // As many permutations per base as scipy draws.
    ref.bases.forEach((b, k) => expect(digitPermutations(b, createRng(0, 'x')).length).toBe(ref.scrambled.permutations[k]!.length));
  });

  it('is seeded, nested and space-filling', () => {
    const a = scrambledHalton(4, 7);
    const b = scrambledHalton(4, 7);
    const c = scrambledHalton(4, 8);
    const points = Array.from({ length: 64 }, (_, i) => a(i));
    expect(Array.from({ length: 64 }, (_, i) => b(i))).toEqual(points);
    expect(c(0)).not.toEqual(points[0]);
    for (const p of points) for (const u of p) expect(u >= 0 && u < 1).toBe(true);
    // Stratified as a (0,1)-sequence in base 2: each of the first 2^k points' first coordinates falls in its own 1/2^k cell.
    for (const k of [1, 2, 3, 4, 5, 6]) {
      const cells = new Set(points.slice(0, 2 ** k).map((p) => Math.floor(p[0]! * 2 ** k)));
      expect(cells.size).toBe(2 ** k);
    }
    // In base 3 (the second coordinate): the first 9 points, one per ninth.
    expect(new Set(points.slice(0, 9).map((p) => Math.floor(p[1]! * 9))).size).toBe(9);
  });
});
