// tuning.csv: every learning-rate trial of the tuning phase, with the choice it led to.
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { tune } from '../../run/experiment/phases/tune.ts';
import { armId } from '../../run/experiment/grid.ts';
import { cell } from './format.ts';

export const TUNING_COLUMNS = ['model', 'regime', 'optimizer', 'lr', 'seed', 'diverged', 'val_accuracy', 'val_loss', 'chosen', 'at_edge'] as const;

export function tuningCsv(view: RunView): string {
  const trials = phaseResults(view.records, tune);
  return toCsv(
    TUNING_COLUMNS,
    trials.map(({ key: t, result: r }) => {
      const c = view.tuning?.get(armId(t));
      return [
        t.model,
        t.regime,
        t.optimizer,
        t.lr,
        t.seed,
        r.diverged ? 1 : 0,
        r.valAccuracy,
        r.valLoss,
        c?.lr === t.lr ? 1 : 0,
        c?.lr === t.lr ? (c.atEdge ?? '') : '',
      ].map(cell);
    }),
  );
}
