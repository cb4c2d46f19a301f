// How decisive a run's headline comparisons could be, said once for the report and the terminal:
// over each perturbation's accuracy_auc difference from the reference, how many are significant,
// the range and median of what the paired t-test could detect at 80% power, and of the seeds that
// 2 points would take (measure/metrics/power.ts).
import { detectableDifference, seedsNeeded, STATED_DIFFERENCE } from '../../measure/metrics/power.ts';
import { M } from '../../measure/metrics/catalog.ts';
import { armId, type Arm } from '../experiment/grid.ts';
import type { RunView, SummaryRow } from './view.ts';

/** q below this is significant (the report's marks and compare's verdicts). */
export const Q_ALPHA = 0.05;

export interface Range {
  readonly low: number;
  readonly median: number;
  readonly high: number;
}

export interface Decisiveness {
  /** Seeds per comparison. */
  readonly seeds: number;
  readonly tested: number;
  readonly significant: number;
  /** The smallest differences detectable at 80% power (fractions). */
  readonly detectable: Range;
  /** The seeds STATED_DIFFERENCE would take (Infinity: more than MAX_SEEDS). */
  readonly seedsFor: Range;
}

const range = (values: readonly number[]): Range | undefined => {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return xs.length ? { low: xs[0]!, median: xs[Math.floor((xs.length - 1) / 2)]!, high: xs.at(-1)! } : undefined;
};

/** Over the headline (accuracy_auc) differences from the reference of `arms` (default: all): undefined when none was tested by pairs. */
export function decisiveness(view: RunView, arms: readonly Arm[] = view.arms, metric = M.auc.name): Decisiveness | undefined {
  const rows = view.summary.filter(
    (r): r is SummaryRow & { vsReference: NonNullable<SummaryRow['vsReference']> } =>
      r.metric === metric && r.vsReference !== null && Number.isFinite(r.vsReference.q) && arms.some((a) => a.id === armId(r.arm)),
  );
  const paired = rows.filter((r) => r.vsReference.sd !== undefined && r.vsReference.n >= 2);
  const detectable = range(paired.map((r) => detectableDifference(r.vsReference.sd!, r.vsReference.n)));
  const seedsFor = range(paired.map((r) => seedsNeeded(STATED_DIFFERENCE, r.vsReference.sd!)));
  if (!detectable || !seedsFor) return undefined;
  return {
    seeds: paired[0]!.vsReference.n,
    tested: rows.length,
    significant: rows.filter((r) => r.vsReference.q < Q_ALPHA).length,
    detectable,
    seedsFor,
  };
}
