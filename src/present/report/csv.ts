// CSV text (RFC 4180, as csv-stringify writes it by default): fields joined by commas, a
// field quoted when it holds a comma, a quote, CR or LF (quotes doubled inside), every
// record ended by LF, the header first. Fields arrive as text already (format.ts's `cell`).
// Written out rather than via csv-stringify: the layer diagnostics are 100k rows per
// default run, and its general per-field machinery took ten times as long as this.

const SPECIAL = /[",\n\r]/;

const field = (s: string): string => (SPECIAL.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = new Array<string>(rows.length + 1);
  lines[0] = columns.map(field).join(',');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = field(row[0] ?? '');
    for (let i = 1; i < row.length; i++) line += `,${field(row[i]!)}`;
    lines[r + 1] = line;
  }
  return `${lines.join('\n')}\n`;
}
