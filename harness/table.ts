// The end-of-run table: mean clean accuracy and mean accuracy per perturbation
// (averaged over its severities and the seeds) for each arm. Wider than `width` columns
// (a nightly suite's 13 perturbations), it is split into blocks of columns, each with the
// arm column, so that it stays readable in a terminal or a CI log.
import type { Suite } from '../src/index.ts';
import type { CellRecord } from '../src/run/experiment/store.ts';
import { CLEAN } from '../src/measure/perturb/registry.ts';
import { mean } from '../src/measure/metrics/summary.ts';
import { armName, runView } from '../src/run/results/view.ts';
import { armId } from '../src/run/experiment/grid.ts';
import { phaseResults } from '../src/run/experiment/phase.ts';
import { main } from '../src/run/experiment/phases/main.ts';

export function accuracyTable(suite: Suite, records: readonly CellRecord[], width = 100): string {
  const view = runView(suite, records);
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  const header = [view.axes.models || view.axes.regimes ? 'arm' : 'optimizer', ...perturbations, 'diverged', 'failed'];
  const results = phaseResults(view.records, main);
  const rows = view.arms.map((a) => {
    const mine = results.filter((r) => armId(r.key) === a.id).map((r) => r.result);
    const accs = perturbations.map((p) => {
      const values = mine.flatMap((r) => (r.eval ?? []).filter((e) => e.perturbation === p).map((e) => e.accuracy));
      const m = mean(values);
      return values.length ? (Number.isNaN(m) ? 'NaN' : `${(100 * m).toFixed(1)}%`) : '-';
    });
    const failed = view.records.filter((r) => r.kind === 'failure' && r.phase === main.name && armId(r.key) === a.id).length;
    return [armName(view, a), ...accs, String(mine.filter((r) => r.diverged).length), String(failed)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Columns 1.. go into blocks that fit beside the arm column.
  const blocks: number[][] = [];
  let used = width;
  for (let i = 1; i < header.length; i++) {
    if (used + 2 + widths[i]! > width || blocks.length === 0) {
      blocks.push([]);
      used = widths[0]!;
    }
    blocks[blocks.length - 1]!.push(i);
    used += 2 + widths[i]!;
  }
  const line = (cells: string[], cols: number[]) => [cells[0]!.padEnd(widths[0]!), ...cols.map((i) => cells[i]!.padStart(widths[i]!))].join('  ').trimEnd();
  const seeds = suite.seeds.length;
  const caption =
    `Test accuracy: the mean over ${seeds} seed${seeds === 1 ? '' : 's'} and, per perturbation, over its ` +
    `severities\n(clean: unperturbed); diverged and failed: cells.`;
  return [
    caption,
    ...blocks.map((cols) =>
      [
        line(header, cols),
        line(
          widths.map((w) => '-'.repeat(w)),
          cols,
        ),
        ...rows.map((r) => line(r, cols)),
      ].join('\n'),
    ),
  ].join('\n\n');
}
