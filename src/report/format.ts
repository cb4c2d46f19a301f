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
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * A text cell that no spreadsheet will execute: a leading =, +, -, @, tab or carriage
 * return makes Excel, LibreOffice and Sheets read a formula, so such text gets a leading
 * apostrophe (OWASP's advice for CSV injection). Numbers never pass through here.
 */
export function textCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** A cell value for CSV: numbers formatted as above, text made inert, absent values empty. */
export function cell(v: number | string | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  return textCell(String(v));
}

/** Text made inert in HTML (every string from a suite or a file goes through it). */
export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
