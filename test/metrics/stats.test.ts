// Across-seed statistics against values worked out by hand (closed forms for 2 degrees of freedom).
import { describe, expect, it } from 'vitest';
import { describe as describeSample, pairedTest, welchTest } from '../../src/measure/metrics/stats.ts';

// Student t with 2 degrees of freedom has closed forms:
//   F(t) = 1/2 + t / (2·sqrt(2 + t²))      Q(q) = (2q − 1) / sqrt(2q(1 − q))
const cdf2 = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
const q2 = (q: number) => (2 * q - 1) / Math.sqrt(2 * q * (1 - q));

describe('describe', () => {
  it('n, mean, sample std and the t interval for [2, 4, 9]', () => {
    const r = describeSample([2, 4, 9]);
    expect(r.n).toBe(3);
    expect(r.mean).toBe(5);
    // variance = (9 + 1 + 16) / 2 = 13
    expect(r.std).toBeCloseTo(Math.sqrt(13), 12);
    const half = q2(0.975) * Math.sqrt(13 / 3);
    expect(r.ciLow).toBeCloseTo(5 - half, 9);
    expect(r.ciHigh).toBeCloseTo(5 + half, 9);
  });

  it('gives no interval for a single value', () => {
    const r = describeSample([0.7]);
    expect(r.mean).toBe(0.7);
    expect(Number.isNaN(r.std) && Number.isNaN(r.ciLow)).toBe(true);
  });
});

describe('pairedTest', () => {
  it('differences [1, 2, 3]: t = 2 / (1/sqrt 3), p from the closed form', () => {
    const r = pairedTest([1, 2, 3], [0, 0, 0]);
    expect(r.diff).toBe(2);
    const t = 2 / (1 / Math.sqrt(3));
    expect(r.p).toBeCloseTo(2 * (1 - cdf2(t)), 9);
    expect(r.p).toBeCloseTo(0.07418, 5);
    expect(r.ciLow).toBeCloseTo(2 - q2(0.975) / Math.sqrt(3), 9);
  });

  it('identical samples: difference 0, p = 1; a constant non-zero shift: p = 0', () => {
    expect(pairedTest([0.8, 0.7, 0.9], [0.8, 0.7, 0.9]).p).toBe(1);
    expect(pairedTest([0.9, 0.8, 1.0], [0.8, 0.7, 0.9]).p).toBeLessThan(1e-6);
  });

  it('refuses unequal lengths', () => expect(() => pairedTest([1], [1, 2])).toThrow(/equal lengths/));
});

describe('welchTest', () => {
  it('[0, 2] vs [3, 5]: equal variances, df = 2, t = -3/sqrt 2', () => {
    const r = welchTest([0, 2], [3, 5]);
    expect(r.diff).toBe(-3);
    expect(r.p).toBeCloseTo(2 * (1 - cdf2(3 / Math.sqrt(2))), 9);
    expect(r.ciHigh - r.diff).toBeCloseTo(q2(0.975) * Math.sqrt(2), 9);
  });
});
