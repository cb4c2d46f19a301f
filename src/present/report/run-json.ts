// `optrobust run --json` (and evaluate's): one JSON object for dashboards and scripts: where the
// run is, whether it is complete, and each arm's headline score per perturbation with its
// interval and its difference from the reference arm (paired over seeds, with the q-value the
// report marks). The numbers are summary.csv's, as it writes them (float32's shortest decimal);
// NaN and ±Infinity as the strings JSON allows.
import { portableReplacer } from '../../core/util/json.ts';
import { formatNumber } from '../../core/util/number-format.ts';
import { headlineScores } from '../../run/results/headline.ts';
import type { RunView } from '../../run/results/view.ts';

export const RUN_JSON_FORMAT = 'optrobust-run/1';

export interface RunJsonInput {
  readonly dir: string;
  readonly view: RunView;
  readonly ran: number;
  readonly failures: number;
  readonly wallSeconds: number;
}

/** As result files write it: the shortest decimal that reads back as the same float32. */
const num = (v: number) => (Number.isFinite(v) ? Number(formatNumber(v)) : v);

export function renderRunJson({ dir, view, ran, failures, wallSeconds }: RunJsonInput): string {
  const scores = headlineScores(view).map(({ arm, key, perturbation, metric, row }) => ({
    arm,
    model: key.model,
    regime: key.regime,
    optimizer: key.optimizer,
    perturbation,
    metric,
    mean: row ? num(row.stats.mean) : null,
    ciLow: row ? num(row.stats.ciLow) : null,
    ciHigh: row ? num(row.stats.ciHigh) : null,
    seeds: row ? row.stats.n : 0,
    nonFinite: row ? row.stats.nonFinite : 0,
    vsReference: row?.vsReference
      ? {
          difference: num(row.vsReference.diff),
          ciLow: num(row.vsReference.ciLow),
          ciHigh: num(row.vsReference.ciHigh),
          p: num(row.vsReference.p),
          q: num(row.vsReference.q),
        }
      : null,
  }));
  const body = {
    format: RUN_JSON_FORMAT,
    suite: view.suite.name,
    dir,
    complete: failures === 0,
    cellsRan: ran,
    failures,
    wallSeconds,
    reference: view.suite.reference,
    scores,
  };
  return `${JSON.stringify(body, portableReplacer, 2)}\n`;
}
