// Cells of result files and HTML: numbers through util/number-format.ts, text made safe for
// spreadsheets and markup.
import { formatNumber } from '../../core/util/number-format.ts';

export { formatNumber };

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
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
