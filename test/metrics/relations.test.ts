// Spearman's rank correlation and its bootstrap interval, against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { ranks, spearman, spearmanInterval } from '../../src/run/results/relations.ts';

describe('spearman', () => {
  it('ranks with ties averaged', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
  });

  it('is 1 / -1 for monotone relations whatever their shape, and the textbook value otherwise', () => {
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4, 5], [5, 3, 2, 1, -9])).toBeCloseTo(-1, 12);
    // ranks x = 1..5, y = 2,1,4,3,5: Σd² = 4, ρ = 1 - 6·4/(5·24) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('bootstrap interval: contains the estimate, is deterministic, narrow for a strong relation over many cells', () => {
    const x = Array.from({ length: 30 }, (_, i) => i);
    const y = x.map((v) => v + ((v * 7) % 5));
    const a = spearmanInterval(x, y);
    expect(a.low).toBeLessThanOrEqual(a.rho);
    expect(a.high).toBeGreaterThanOrEqual(a.rho);
    expect(a.low).toBeGreaterThan(0.8);
    expect(spearmanInterval(x, y)).toEqual(a);
  });
});
