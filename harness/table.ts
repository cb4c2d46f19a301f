// The end-of-run table: mean clean accuracy and mean accuracy per perturbation
// (averaged over its severities and the seeds) for each optimizer.
import type { Suite } from '../src/index.ts';
import { recordKey, type CellRecord } from '../src/experiment/store.ts';
import { CLEAN } from '../src/perturb/registry.ts';
import { mean } from '../src/metrics/summary.ts';

export function accuracyTable(suite: Suite, records: readonly CellRecord[]): string {
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  const header = ['optimizer', ...perturbations, 'diverged', 'failed'];
  const rows = suite.optimizers.map((o) => {
    const mine = records.filter((r) => (r.kind === 'result' || r.kind === 'failure') && recordKey(r).optimizer === o.label);
    const results = mine.flatMap((r) => (r.kind === 'result' ? [r.result] : []));
    const accs = perturbations.map((p) => {
      const values = results.flatMap((r) => (r.eval ?? []).filter((e) => e.perturbation === p).map((e) => e.accuracy));
      return values.length ? `${(100 * mean(values)).toFixed(1)}%` : '-';
    });
    const diverged = results.filter((r) => r.diverged).length;
    return [o.label, ...accs, String(diverged), String(mine.length - results.length)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
