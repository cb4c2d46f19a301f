// CSV text (RFC 4180, as csv-stringify writes it by default): fields joined by commas, a
// field quoted when it holds a comma, a quote, CR or LF (quotes doubled inside), every
// record ended by LF, the header first. Fields arrive as text already (format.ts's `cell`).
// Written out rather than via csv-stringify: the layer diagnostics are 100k rows per
// default run, and its general per-field machinery took ten times as long as this.

const SPECIAL = /[",\n\r]/;

const field = (s: string): string => (SPECIAL.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Records as CSV text, each ended by LF (no header): a file's rows built in parts are joined as they are. */
export function csvRows(rows: readonly (readonly string[])[]): string {
  let out = '';
  for (const row of rows) {
    let line = field(row[0] ?? '');
    for (let i = 1; i < row.length; i++) line += `,${field(row[i]!)}`;
    out += `${line}\n`;
  }
  return out;
}

export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${columns.map(field).join(',')}\n${csvRows(rows)}`;
}
