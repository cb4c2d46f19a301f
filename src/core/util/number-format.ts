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
  // The fewest digits p in 1..9 whose rounding reads back as f. Binary search is exact: the
  // p-digit decimals are among the (p+1)-digit ones, so rounding to more digits never lands
  // farther from f, and once p digits read back, every larger p does.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return String(Number(f.toPrecision(lo)));
}
