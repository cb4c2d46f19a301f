// Numbers in result files: integers exactly (seeds, steps, counts); other values as the
// shortest decimal that reads back as the same float32 (at most 9 significant digits), so
// files are compact, stable across machines, and lose nothing the models computed.
// Non-finite values and -0 are written as themselves: NaN, Inf, -Inf, -0 (the spellings
// pandas, R and DuckDB all read back as numbers).

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (Object.is(v, -0)) return '-0';
  if (Number.isSafeInteger(v)) return String(v);
  const f = Math.fround(v);
  // The fewest digits p in 1..9 whose rounding reads back as f. Reading back is monotone in
  // p: the p-digit decimals are among the (p+1)-digit ones, so rounding to more digits never
  // lands farther from f; 9 digits always read back. So p is one more than the largest count
  // that fails, found counting down from 8: most float32 values need 8 or 9 digits, so this
  // takes one or two tries where a bisection of 1..9 took three or four.
  let p = 9;
  while (p > 1 && Math.fround(Number(f.toPrecision(p - 1))) === f) p--;
  return String(Number(f.toPrecision(p)));
}
