// The headline numbers of a run, per (arm, seed, perturbation family): the area under the
// accuracy-severity curve, plain and relative to clean accuracy, and the corruption error
// against the reference optimizer (Hendrycks & Dietterich 2019: errors summed over the
// severities, over the reference's; their mean over perturbations is the mCE). Computed from
// each cell's measurements, so they have seeds, intervals and paired tests like any metric.
import { M } from '../../measure/metrics/catalog.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import type { Measurement } from '../experiment/measurement.ts';

/** The metrics score rows carry: one number per sweep (their severity, 0, is a placeholder). */
export const SCORE_METRICS: ReadonlySet<string> = new Set([
  M.auc.name,
  M.aucRelative.name,
  M.corruptionError.name,
  M.meanCorruptionError.name,
  M.matchedAuc.name,
]);

/** The perturbation name score rows use for scores over every perturbation (the mCE). */
export const ALL = 'all';

/** Accuracy by perturbation, then severity, from a cell's measurements of `metric`. */
function byFamily(ms: readonly Measurement[], metric: string): { clean: number | undefined; families: Map<string, Map<number, number>> } {
  let clean: number | undefined;
  const families = new Map<string, Map<number, number>>();
  for (const m of ms) {
    if (m.metric !== metric) continue;
    if (m.perturbation === CLEAN) clean = m.value;
    else {
      if (!families.has(m.perturbation)) families.set(m.perturbation, new Map());
      families.get(m.perturbation)!.set(m.severity, m.value);
    }
  }
  return { clean, families };
}

/**
 * Trapezoidal area under accuracy against severity, clean accuracy at severity 0, divided
 * by the severity range: the mean accuracy across the sweep, in [0, 1].
 */
export function areaUnderCurve(clean: number, points: ReadonlyMap<number, number>): number {
  const xy = [[0, clean] as const, ...points].sort((a, b) => a[0] - b[0]);
  let area = 0;
  for (let i = 1; i < xy.length; i++) area += ((xy[i]![1] + xy[i - 1]![1]) / 2) * (xy[i]![0] - xy[i - 1]![0]);
  const range = xy[xy.length - 1]![0] - xy[0]![0];
  return range > 0 ? area / range : clean;
}

/**
 * Score rows of one cell: `accuracy_auc` and `accuracy_auc_relative` per perturbation from
 * `metric` (accuracy, or matched_accuracy for the matched view), and, given the reference
 * arm's cell of the same seed, `corruption_error` per perturbation and their mean.
 */
export function scoreMeasurements(cell: readonly Measurement[], reference: readonly Measurement[] | undefined, metric: string): Measurement[] {
  const first = cell.find((m) => m.metric === metric);
  if (!first) return [];
  const row = (perturbation: string, name: string, value: number): Measurement => ({
    model: first.model,
    regime: first.regime,
    optimizer: first.optimizer,
    seed: first.seed,
    perturbation,
    severity: 0,
    metric: name,
    value,
  });
  const mine = byFamily(cell, metric);
  if (mine.clean === undefined) return [];
  const out: Measurement[] = [];
  const matched = metric === M.matchedAccuracy.name;
  for (const [family, points] of mine.families) {
    const auc = areaUnderCurve(mine.clean, points);
    out.push(row(family, matched ? M.matchedAuc.name : M.auc.name, auc));
    if (!matched) out.push(row(family, M.aucRelative.name, auc / mine.clean));
  }
  if (matched || !reference) return out;
  const ref = byFamily(reference, metric);
  const ces: number[] = [];
  for (const [family, points] of mine.families) {
    const theirs = ref.families.get(family);
    if (!theirs) continue;
    const severities = [...points.keys()].filter((s) => theirs.has(s));
    const err = (m: ReadonlyMap<number, number>) => severities.reduce((a, s) => a + 1 - m.get(s)!, 0);
    const ce = err(points) / err(theirs);
    ces.push(ce);
    out.push(row(family, M.corruptionError.name, ce));
  }
  if (ces.length) out.push(row(ALL, M.meanCorruptionError.name, ces.reduce((a, b) => a + b, 0) / ces.length));
  return out;
}
