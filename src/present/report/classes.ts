// Per-class results: classes.csv (one row per cell, perturbation, severity and class) and the
// report's "Classes lost first" section: per perturbation and arm, a heat map of each class's
// accuracy drop from its own clean accuracy at every severity (mean over seeds), and the
// class hurt most. A model can keep its average and lose one class entirely; this shows it.
import { toCsv } from './csv.ts';
import { cell, esc } from './format.ts';
import { heatMapSvg, rampLegend } from './heatmap.ts';
import { armName, type RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main } from '../../run/experiment/phases/main.ts';
import { armId } from '../../run/experiment/grid.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { DATASETS } from '../../core/data/sources.ts';
import type { RunManifest } from '../../run/experiment/manifest.ts';

export const CLASS_COLUMNS = [
  'model',
  'regime',
  'optimizer',
  'seed',
  'perturbation',
  'severity',
  'class',
  'class_name',
  'examples',
  'correct',
  'accuracy',
] as const;

/** Class names by index: the run's record of them, a built-in dataset's, else the indices. */
export function classNames(view: RunView, manifest: RunManifest | undefined, count: number): string[] {
  const known = manifest?.config.data.classes ?? (Object.hasOwn(DATASETS, view.suite.dataset) ? DATASETS[view.suite.dataset]!.classes : undefined);
  return Array.from({ length: count }, (_, k) => known?.[k] ?? String(k));
}

/** The main phase's cells that measured per-class accuracy. */
function cellsWithClasses(view: RunView) {
  return phaseResults(view.records, main).filter((c) => c.result.eval && c.result.classCounts);
}

/** Whether the run has per-class results (records made before they were measured have none). */
export const hasClasses = (view: RunView): boolean => cellsWithClasses(view).length > 0;

export function classesCsv(view: RunView, manifest?: RunManifest): string {
  const rows: string[][] = [];
  for (const { key: k, result: r } of cellsWithClasses(view)) {
    const counts = r.classCounts!;
    const names = classNames(view, manifest, counts.length);
    for (const p of r.eval!) {
      counts.forEach((n, c) => {
        // Non-finite logits leave a point without per-class counts: its accuracies are NaN, as its overall one is.
        const correct = p.classCorrect?.[c];
        rows.push(
          [
            k.model,
            k.regime,
            k.optimizer,
            k.seed,
            p.perturbation,
            p.severity,
            c,
            names[c],
            n,
            correct ?? Number.NaN,
            correct === undefined ? Number.NaN : correct / n,
          ].map(cell),
        );
      });
    }
  }
  return toCsv(CLASS_COLUMNS, rows);
}

interface ArmDrops {
  readonly name: string;
  /** drop[class][severity index] in accuracy points, mean over seeds. */
  readonly drop: number[][];
}

export function classesSection(view: RunView, manifest?: RunManifest): string {
  const cells = cellsWithClasses(view);
  if (!cells.length) return '';
  const classes = cells[0]!.result.classCounts!.length;
  const names = classNames(view, manifest, classes);
  const perturbations = Object.entries(view.suite.perturbations).filter(([p, s]) => p !== CLEAN && s.length > 0);
  if (!perturbations.length) return '';
  const blocks: string[] = [];
  for (const [perturbation, severities] of perturbations) {
    const arms: ArmDrops[] = [];
    for (const arm of view.arms) {
      const mine = cells.filter((c) => armId(c.key) === arm.id);
      if (!mine.length) continue;
      // Per seed: the class's clean accuracy minus its accuracy at the severity; then the mean over seeds.
      const drop = names.map((_, c) =>
        severities.map((sev) => {
          const values = mine.map(({ result: r }) => {
            const n = r.classCounts![c]!;
            const clean = r.eval!.find((p) => p.perturbation === CLEAN)?.classCorrect?.[c];
            const at = r.eval!.find((p) => p.perturbation === perturbation && p.severity === sev)?.classCorrect?.[c];
            return clean === undefined || at === undefined || n === 0 ? Number.NaN : (100 * (clean - at)) / n;
          });
          return values.reduce((a, b) => a + b, 0) / values.length;
        }),
      );
      arms.push({ name: armName(view, arm), drop });
    }
    const finite = arms.flatMap((a) => a.drop.flat()).filter(Number.isFinite);
    const high = Math.max(1, ...finite);
    const figures = arms.map((a) => {
      const mean = a.drop.map((row) => row.reduce((s, v) => s + v, 0) / row.length);
      const worst = mean.reduce((w, v, i) => (v > mean[w]! || !Number.isFinite(mean[w]!) ? i : w), 0);
      const caption = Number.isFinite(mean[worst]!)
        ? `${esc(a.name)}: loses ${esc(names[worst]!)} most (${mean[worst]!.toFixed(1)} pts, mean over severities)`
        : `${esc(a.name)}: not finite`;
      const svg = heatMapSvg({
        title: `${a.name} under ${perturbation}: accuracy drop per class and severity`,
        rows: names,
        columns: severities.map(String),
        columnTitle: `${perturbation} severity →`,
        values: a.drop,
        low: 0,
        high,
        tip: (c, j) =>
          `${names[c]} at ${perturbation} ${severities[j]}: ` +
          `${Number.isFinite(a.drop[c]![j]!) ? `${a.drop[c]![j]!.toFixed(1)} pts` : 'NaN'} below its clean accuracy`,
      });
      return `<figure class="classes">${svg}<figcaption>${caption}</figcaption></figure>`;
    });
    blocks.push(`<h3>${esc(perturbation)}</h3><p class="note">${rampLegend('0 pts', `${high.toFixed(1)} pts`)}</p><div class="grid">${figures.join('')}</div>`);
  }
  return (
    `<section id="classes"><h2>Classes lost first</h2><p class="note">Per class (rows), its accuracy drop from its own ` +
    `clean accuracy at each severity (columns, left to right), mean over seeds; one scale per perturbation, white at no ` +
    `drop (or a gain); hover for the value. Every cell's per-class accuracy is in classes.csv.</p>${blocks.join('')}</section>`
  );
}
