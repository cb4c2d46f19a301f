// The end-of-run table: each arm's headline scores, the report's and summary.csv's: clean
// accuracy, and per perturbation `accuracy_auc` (the mean accuracy across its sweep: the area
// under the accuracy-severity curve with clean accuracy at severity 0), means over seeds.
// Wider than `width` columns
// (a nightly suite's 13 perturbations), it is split into blocks of columns, each with the
// arm column, so that it stays readable in a terminal or a CI log.
import { CLEAN } from '../src/measure/perturb/registry.ts';
import { headlineScores } from '../src/run/results/headline.ts';
import type { ArmKey } from '../src/run/experiment/grid.ts';
import { armName, type RunView } from '../src/run/results/view.ts';
import { armId } from '../src/run/experiment/grid.ts';
import { phaseResults } from '../src/run/experiment/phase.ts';
import { main } from '../src/run/experiment/phases/main.ts';
import { decisiveness, Q_ALPHA } from '../src/run/results/decisiveness.ts';
import { MAX_SEEDS, STATED_DIFFERENCE } from '../src/measure/metrics/power.ts';

export function accuracyTable(view: RunView, width = 100): string {
  const { suite } = view;
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  const header = [view.axes.models || view.axes.regimes ? 'arm' : 'optimizer', ...perturbations, 'diverged', 'failed'];
  const results = phaseResults(view.records, main);
  const scores = headlineScores(view);
  const score = (a: ArmKey, p: string) => {
    const row = scores.find((s) => armId(s.key) === armId(a) && s.perturbation === p)?.row;
    if (!row || row.stats.n + row.stats.nonFinite === 0) return '-';
    return Number.isFinite(row.stats.mean) ? `${(100 * row.stats.mean).toFixed(1)}%` : 'NaN';
  };
  const rows = view.arms.map((a) => {
    const mine = results.filter((r) => armId(r.key) === a.id).map((r) => r.result);
    const failed = view.records.filter((r) => r.kind === 'failure' && r.phase === main.name && armId(r.key) === a.id).length;
    return [armName(view, a), ...perturbations.map((p) => score(a, p)), String(mine.filter((r) => r.diverged).length), String(failed)];
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
    `Clean accuracy, and per perturbation accuracy_auc: the mean accuracy across its sweep\n` +
    `(clean at severity 0), as in report.html and summary.csv; means over ${seeds} seed${seeds === 1 ? '' : 's'};\n` +
    `diverged and failed: cells.`;
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

/** Under the table: how decisive its comparisons could be (the report's last finding, shortened); '' when nothing was tested by pairs. */
export function decisivenessLine(view: RunView): string {
  const d = decisiveness(view);
  if (!d) return '';
  const p = (v: number) => (100 * v).toFixed(1);
  const seeds = (v: number) => (Number.isFinite(v) ? String(v) : `over ${MAX_SEEDS}`);
  return (
    `${d.significant} of ${d.tested} robustness differences from ${view.suite.reference} are significant (q < ${Q_ALPHA}). With ${d.seeds} seeds\n` +
    `only differences of ${p(d.detectable.low)}-${p(d.detectable.high)} pts (median ${p(d.detectable.median)}) were detectable at 80% power; ` +
    `${100 * STATED_DIFFERENCE} pts would take\n${seeds(d.seedsFor.low)}-${seeds(d.seedsFor.high)} seeds (median ${seeds(d.seedsFor.median)}): ` +
    `summary.csv's detectable_diff and seeds_needed.` +
    // A run with fixed seeds that left comparisons open: the way to let the run decide.
    (view.suite.autoSeeds || d.significant === d.tested ? '' : '\n--seeds auto adds seeds until each comparison is decided.')
  );
}
