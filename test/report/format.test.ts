// Number formatting in result files: shortest decimal that round-trips the float32.
import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../src/report/format.ts';

describe('formatNumber', () => {
  it('writes the shortest decimal that reads back as the same float32', () => {
    for (const v of [0.1, 0.7625, 1 / 3, 2.3074705600738525, 1e-8, 123456.789, -0.000123]) {
      const s = formatNumber(v);
      expect(Math.fround(Number(s))).toBe(Math.fround(v));
      expect(s.replace(/^-?0?\.?|e.*$/g, '').replace('.', '').length).toBeLessThanOrEqual(9);
    }
    expect(formatNumber(Math.fround(0.1))).toBe('0.1');
    // Shortest: one significant digit fewer no longer reads back as the same float32.
    const v = 2.3074705600738525;
    const digits = formatNumber(v).replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length;
    expect(Math.fround(Number(Math.fround(v).toPrecision(digits - 1)))).not.toBe(Math.fround(v));
  });

  it('writes integers plainly and non-finite values by name', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });
});
