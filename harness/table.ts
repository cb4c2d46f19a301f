// The end-of-run table: mean clean accuracy and mean accuracy per perturbation
// (averaged over its severities and the seeds) for each arm.
import type { Suite } from '../src/index.ts';
import type { CellRecord } from '../src/experiment/store.ts';
import { CLEAN } from '../src/perturb/registry.ts';
import { mean } from '../src/metrics/summary.ts';
import { armName, runView } from '../src/results/view.ts';
import { armId } from '../src/experiment/grid.ts';
import { phaseResults } from '../src/experiment/phase.ts';
import { main } from '../src/experiment/phases/main.ts';

export function accuracyTable(suite: Suite, records: readonly CellRecord[]): string {
  const view = runView(suite, records);
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  const header = [view.axes.models || view.axes.regimes ? 'arm' : 'optimizer', ...perturbations, 'diverged', 'failed'];
  const results = phaseResults(view.records, main);
  const rows = view.arms.map((a) => {
    const mine = results.filter((r) => armId(r.key) === a.id).map((r) => r.result);
    const accs = perturbations.map((p) => {
      const values = mine.flatMap((r) => (r.eval ?? []).filter((e) => e.perturbation === p).map((e) => e.accuracy));
      return values.length ? `${(100 * mean(values)).toFixed(1)}%` : '-';
    });
    const failed = view.records.filter((r) => r.kind === 'failure' && r.phase === 'main' && armId(r.key) === a.id).length;
    return [armName(view, a), ...accs, String(mine.filter((r) => r.diverged).length), String(failed)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
