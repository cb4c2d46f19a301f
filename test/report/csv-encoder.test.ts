// The CSV encoder and the number formatter, against the definitions they replace: every
// file must keep its bytes. toCsv is checked against csv-stringify (the library the files
// were written with, RFC 4180 quoting) and read back with csv-parse; formatNumber's binary
// search against the plain search over 1..9 significant digits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../../src/present/report/csv.ts';
import { formatNumber } from '../../src/present/report/format.ts';

const text = fc.oneof(fc.string(), fc.constantFrom('', ',', '"', '""', 'a,b', 'x\ny', '\r', '\r\n', ' "q" ', "'=1", 'mlp[256,128]'));

describe('toCsv', () => {
  it('writes what csv-stringify writes, and csv-parse reads the rows back', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((w) => fc.tuple(fc.array(text, { minLength: w, maxLength: w }), fc.array(fc.array(text, { minLength: w, maxLength: w }), { maxLength: 6 }))),
        ([columns, rows]) => {
          const csv = toCsv(columns, rows);
          expect(csv).toBe(stringify(rows, { header: true, columns }));
          if (rows.length > 0) expect(parse(csv, { relax_column_count: true }).slice(1)).toEqual(rows);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes the header alone when there are no rows', () => {
    expect(toCsv(['a', 'b,c'], [])).toBe('a,"b,c"\n');
  });
});

/** The definition: the fewest significant digits (1..9) whose decimal reads back as the same float32. */
function shortestFloat32(v: number): string {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

describe('formatNumber', () => {
  it('finds the same shortest decimal as trying 1..9 digits in turn, for any float32', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        fc.pre(!Number.isSafeInteger(v) && !Object.is(v, -0));
        expect(formatNumber(v)).toBe(shortestFloat32(v));
      }),
      { numRuns: 20000 },
    );
  });

  it('and for values near powers of two and ten, where the digit count changes', () => {
    for (let e = -40; e <= 40; e++)
      for (const base of [2 ** e, 10 ** (e / 4)])
        for (const k of [-2, -1, 0, 1, 2]) {
          const f = Math.fround(base);
          const arr = new Float32Array([f]);
          new Int32Array(arr.buffer)[0]! += k;
          const v = arr[0]!;
          if (Number.isFinite(v) && !Number.isSafeInteger(v)) expect(formatNumber(v), String(v)).toBe(shortestFloat32(v));
        }
  });
});
