// summary.csv: per (arm, perturbation, severity, metric) across seeds: n, mean, std,
// Student-t 95% interval, and the paired difference from the reference arm with its p-value
// and its Benjamini-Hochberg q-value (the report's marks and compare's test use q); then how
// decisive that test could be (power.ts): the smallest difference it detects at 80% power,
// and for accuracies the seeds it would take to detect 2 points.
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { metricInfo } from '../../measure/metrics/catalog.ts';
import { cell } from './format.ts';
import { detectableDifference, seedsNeeded, STATED_DIFFERENCE } from '../../measure/metrics/power.ts';

export const SUMMARY_COLUMNS = [
  'model',
  'regime',
  'optimizer',
  'perturbation',
  'severity',
  'metric',
  'unit',
  'n',
  'n_nonfinite',
  'mean',
  'std',
  'ci95_low',
  'ci95_high',
  'reference',
  'diff',
  'diff_ci95_low',
  'diff_ci95_high',
  'p_value',
  'q_value',
  'detectable_diff',
  'seeds_needed',
  'diff_se_seeds',
  'diff_se_test',
] as const;

export function summaryCsv(view: RunView): string {
  const { reference } = view.suite;
  return toCsv(
    SUMMARY_COLUMNS,
    view.summary.map((r) => {
      const t = r.vsReference;
      const s = r.stats;
      return [
        r.arm.model,
        r.arm.regime,
        r.arm.optimizer,
        r.perturbation,
        r.severity,
        r.metric,
        metricInfo(r.metric).unit,
        s.n,
        s.nonFinite,
        s.mean,
        s.std,
        s.ciLow,
        s.ciHigh,
        r.arm.optimizer === reference ? '' : reference,
        t?.diff,
        t?.ciLow,
        t?.ciHigh,
        t?.p,
        t?.q,
        t?.sd === undefined ? undefined : detectableDifference(t.sd, t.n),
        t?.sd === undefined || metricInfo(r.metric).unit !== 'fraction' ? undefined : seedsNeeded(STATED_DIFFERENCE, t.sd),
        t?.sd === undefined || t.n < 2 ? undefined : t.sd / Math.sqrt(t.n),
        t?.seTest,
      ].map(cell);
    }),
  );
}
