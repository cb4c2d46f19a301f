// Benjamini-Hochberg q-values worked out by hand.
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../src/measure/metrics/fdr.ts';

describe('benjaminiHochberg', () => {
  it('scales each sorted p by m/rank and keeps q monotone', () => {
    // sorted: 0.005 (x4/1 = 0.02), 0.01 (x4/2 = 0.02), 0.03 (x4/3 = 0.04), 0.04 (x4/4 = 0.04)
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    [0.02, 0.04, 0.04, 0.02].forEach((v, i) => expect(q[i]).toBeCloseTo(v, 12));
  });

  it('leaves untestable rows (NaN) out of the family', () => {
    const q = benjaminiHochberg([0.01, Number.NaN, 0.02]);
    expect(q[0]).toBeCloseTo(0.02, 12);
    expect(Number.isNaN(q[1]!)).toBe(true);
    expect(q[2]).toBeCloseTo(0.02, 12);
  });

  it('caps q at 1', () => expect(benjaminiHochberg([0.9, 0.95])).toEqual([0.95, 0.95]));
});
