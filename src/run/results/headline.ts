// The headline score of each (arm, perturbation), defined once: clean accuracy for clean data,
// `accuracy_auc` (the mean accuracy across the sweep, clean at severity 0) for a perturbation;
// mean over seeds with its interval and, against the reference arm, the paired test's q-value.
// The terminal table, `--json` and summary.csv show these same rows.
import { M } from '../../measure/metrics/catalog.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { armId, type ArmKey } from '../experiment/grid.ts';
import { armName, type RunView, type SummaryRow } from './view.ts';

/** The metric a perturbation's headline score is. */
export const headlineMetric = (perturbation: string): string => (perturbation === CLEAN ? M.accuracy.name : M.auc.name);

export interface HeadlineScore {
  /** The arm's label as the report names it (the optimizer's, with model and regime when they vary). */
  readonly arm: string;
  readonly key: ArmKey;
  readonly perturbation: string;
  readonly metric: string;
  /** Mean over seeds (NaN when a seed's value is not finite and no finite one exists); undefined when not measured. */
  readonly row: SummaryRow | undefined;
}

/** Every arm x (clean, then the suite's perturbations in its order). */
export function headlineScores(view: RunView): HeadlineScore[] {
  const perturbations = [CLEAN, ...Object.keys(view.suite.perturbations).filter((p) => p !== CLEAN)];
  return view.arms.flatMap((a) =>
    perturbations.map((perturbation) => {
      const metric = headlineMetric(perturbation);
      const row = view.summary.find((r) => armId(r.arm) === a.id && r.perturbation === perturbation && r.severity === 0 && r.metric === metric);
      return { arm: armName(view, a), key: a, perturbation, metric, row };
    }),
  );
}
