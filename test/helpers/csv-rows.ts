// A run's CSV file as rows of named cells, for tests that compare its columns (quoted cells, such as
// an optimizer's options JSON, become one placeholder each; no column the tests read is quoted).
import { read } from './cli.ts';

export function csvRows(dir: string, file: string): Record<string, string>[] {
  const [head, ...lines] = read(dir, file).trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) =>
    Object.fromEntries(
      l
        .replace(/"(?:[^"]|"")*"/g, 'Q')
        .split(',')
        .map((v, i) => [cols[i]!, v]),
    ),
  );
}
