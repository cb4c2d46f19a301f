// Distribution summaries: numpy-style quantiles, finite values only, non-finite counted.
import { describe, expect, it } from 'vitest';
import { quantile, summarize } from '../../src/measure/metrics/summary.ts';

describe('summarize', () => {
  it('mean, sample std, min, median, p95 and max of 1..20', () => {
    const s = summarize(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(s).toMatchObject({ count: 20, nonFinite: 0, mean: 10.5, min: 1, median: 10.5, max: 20 });
    expect(s.std).toBeCloseTo(Math.sqrt(35), 12); // variance of 1..n with n-1: n(n+1)/12 = 35
    expect(s.p95).toBeCloseTo(19.05, 12); // numpy: 1 + 0.95·19
  });

  it('ignores non-finite values but counts them', () => {
    const s = summarize([1, Number.NaN, 3, Number.POSITIVE_INFINITY]);
    expect(s).toMatchObject({ count: 4, nonFinite: 2, mean: 2, min: 1, max: 3 });
  });

  it('quantile interpolates linearly between order statistics', () => {
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});
