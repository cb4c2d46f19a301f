// Number formatting in result files: shortest decimal that round-trips the float32.
import { describe, expect, it } from 'vitest';
import { cell, formatNumber, textCell } from '../../src/present/report/format.ts';

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
    const digits = formatNumber(v)
      .replace(/[-.]|e.*$/g, '')
      .replace(/^0+/, '').length;
    expect(Math.fround(Number(Math.fround(v).toPrecision(digits - 1)))).not.toBe(Math.fround(v));
  });

  it('writes integers exactly, whatever their size (seeds, steps, counts are never rounded to float32)', () => {
    expect(formatNumber(42)).toBe('42');
    // 2^24 + 1 is the first integer float32 cannot hold; 2^32 - 1 is the largest seed.
    expect(formatNumber(2 ** 24 + 1)).toBe('16777217');
    expect(formatNumber(4294967295)).toBe('4294967295');
    expect(formatNumber(Number.MAX_SAFE_INTEGER)).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  it('writes NaN, Inf, -Inf and -0 as themselves, as pandas, R and DuckDB read them', () => {
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('Inf');
    expect(formatNumber(-Infinity)).toBe('-Inf');
    expect(formatNumber(-0)).toBe('-0');
    expect(Object.is(Number.parseFloat(formatNumber(-0)), -0)).toBe(true);
  });
});

describe('textCell', () => {
  it('makes text that a spreadsheet would execute inert, and leaves other text alone', () => {
    for (const s of ['=1+1', '+1', '-cmd', '@SUM(A1)', '\tx', '\rx']) expect(textCell(s)).toBe(`'${s}`);
    for (const s of ['sgd', 'gaussian_noise', '{"lr":0.1}', '']) expect(textCell(s)).toBe(s);
  });

  it('is applied to text cells only: a negative number stays a number', () => {
    expect(cell(-0.5)).toBe('-0.5');
    expect(cell('-0.5')).toBe("'-0.5");
  });
});
