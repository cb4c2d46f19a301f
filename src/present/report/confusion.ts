// Confusion matrices under each perturbation's strongest severity (and clean): per arm, which
// class each class's examples were taken for, summed over seeds and shown as the share of the
// true class's examples (rows: true class, columns: predicted). Kept for at most
// CONFUSION_MAX_CLASSES classes (classification.ts).
import { toCsv } from './csv.ts';
import { cell, esc } from './format.ts';
import { heatMapSvg, rampLegend } from './heatmap.ts';
import { classNames } from './classes.ts';
import { armName, type RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main } from '../../run/experiment/phases/main.ts';
import { armId } from '../../run/experiment/grid.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import type { RunManifest } from '../../run/experiment/manifest.ts';

export const CONFUSION_COLUMNS = [
  'model',
  'regime',
  'optimizer',
  'seed',
  'perturbation',
  'severity',
  'class',
  'class_name',
  'predicted',
  'predicted_name',
  'examples',
] as const;

/** The main phase's cells with confusion matrices, and their points that have one. */
function confusionCells(view: RunView) {
  return phaseResults(view.records, main).flatMap(({ key, result }) => {
    const points = (result.eval ?? []).filter((p) => p.confusion);
    return points.length ? [{ key, points }] : [];
  });
}

/** Whether the run has confusion matrices (at most CONFUSION_MAX_CLASSES classes, records made since they were kept). */
export const hasConfusion = (view: RunView): boolean => confusionCells(view).length > 0;

/** confusion.csv: one row per cell, point (clean and each strongest severity), true class and predicted class. */
export function confusionCsv(view: RunView, manifest?: RunManifest): string {
  const rows: string[][] = [];
  for (const { key: k, points } of confusionCells(view)) {
    for (const p of points) {
      const n = Math.round(Math.sqrt(p.confusion!.length));
      const names = classNames(view, manifest, n);
      p.confusion!.forEach((count, i) => {
        const [c, d] = [Math.floor(i / n), i % n];
        rows.push([k.model, k.regime, k.optimizer, k.seed, p.perturbation, p.severity, c, names[c], d, names[d], count].map(cell));
      });
    }
  }
  return toCsv(CONFUSION_COLUMNS, rows);
}

export interface Confusion {
  /** counts[true][predicted], summed over the arm's seeds. */
  readonly counts: number[][];
  readonly seeds: number;
}

/** An arm's confusion at one point, summed over its cells that recorded one; undefined when none did. */
export function armConfusion(view: RunView, id: string, perturbation: string, severity: number): Confusion | undefined {
  let counts: number[][] | undefined;
  let seeds = 0;
  for (const { key, result } of phaseResults(view.records, main)) {
    if (armId(key) !== id) continue;
    const flat = result.eval?.find((p) => p.perturbation === perturbation && p.severity === severity)?.confusion;
    if (!flat) continue;
    const n = Math.round(Math.sqrt(flat.length));
    counts ??= Array.from({ length: n }, () => new Array<number>(n).fill(0));
    flat.forEach((v, i) => (counts![Math.floor(i / n)]![i % n]! += v));
    seeds++;
  }
  return counts ? { counts, seeds } : undefined;
}

/** The largest off-diagonal share: the confusion a reader should see first. */
function worst(c: Confusion): { from: number; to: number; share: number } | undefined {
  let best: { from: number; to: number; share: number } | undefined;
  c.counts.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((v, j) => {
      if (i === j || total === 0) return;
      if (!best || v / total > best.share) best = { from: i, to: j, share: v / total };
    });
  });
  return best;
}

export function confusionSection(view: RunView, manifest?: RunManifest): string {
  const points = [
    [CLEAN, 0] as const,
    ...Object.entries(view.suite.perturbations)
      .filter(([p, s]) => p !== CLEAN && s.length > 0)
      .map(([p, s]) => [p, Math.max(...s)] as const),
  ];
  const blocks: string[] = [];
  for (const [perturbation, severity] of points) {
    const figures: string[] = [];
    for (const arm of view.arms) {
      const c = armConfusion(view, arm.id, perturbation, severity);
      if (!c) continue;
      const names = classNames(view, manifest, c.counts.length);
      const shares = c.counts.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (total ? (100 * v) / total : Number.NaN));
      });
      const name = armName(view, arm);
      const at = perturbation === CLEAN ? 'clean' : `${perturbation} ${severity}`;
      const svg = heatMapSvg({
        title: `${name}, ${at}: share of each true class (rows) predicted as each class (columns)`,
        rows: names.map((n, i) => `${i} ${n}`),
        columns: names.map((_, i) => String(i)),
        columnTitle: 'predicted class →',
        values: shares,
        low: 0,
        high: 100,
        tip: (i, j) => `${names[i]} taken for ${names[j]}: ${c.counts[i]![j]} (${Number.isFinite(shares[i]![j]!) ? shares[i]![j]!.toFixed(1) : 'NaN'}%)`,
        blank: (i, j) => c.counts[i]![j] === 0 && i !== j,
      });
      const w = worst(c);
      const caption =
        w && w.share > 0 ? `${esc(name)}: ${esc(names[w.from]!)} taken for ${esc(names[w.to]!)} most (${(100 * w.share).toFixed(1)}%)` : esc(name);
      figures.push(`<figure class="classes">${svg}<figcaption>${caption}</figcaption></figure>`);
    }
    if (!figures.length) continue;
    const title = perturbation === CLEAN ? 'clean' : `${perturbation} ${severity} (its strongest)`;
    blocks.push(`<details${blocks.length ? '' : ' open'}><summary>${esc(title)}</summary><div class="grid">${figures.join('')}</div></details>`);
  }
  if (!blocks.length) return '';
  return (
    `<section id="confusion"><h2>What each class is taken for</h2><p class="note">Confusion matrices at clean and at each ` +
    `perturbation's strongest severity: per optimizer, the share of each true class's test examples (rows) predicted as each ` +
    `class (columns), all seeds together; the diagonal is the class's accuracy; hover for the count.</p>` +
    `<p class="note">${rampLegend('0%', '100%')}</p>${blocks.join('')}</section>`
  );
}
