// Numbers in result files: the shortest decimal that reads back as the same float32
// (at most 9 significant digits), so files are compact, stable across machines, and
// lose nothing the models computed. Non-finite values are written as NaN / Infinity.

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 24) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

/** A cell value for CSV: numbers formatted as above, absent values empty. */
export function cell(v: number | string | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}
