// tuning.csv: every trial of the tuning phase (each seed's run of each point), the point's
// hyperparameters in their own columns (empty where the arm does not search one), and the
// choice it led to: `chosen` marks the chosen point's rows, `at_edge` names the chosen
// values at an edge of their range.
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { tune } from '../../run/experiment/phases/tune.ts';
import { armId } from '../../run/experiment/grid.ts';
import { cell } from './format.ts';
import { DIMENSION_NAMES } from '../../core/optim/space.ts';

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const PARAMS = DIMENSION_NAMES.filter((n) => n !== 'lr');

export const TUNING_COLUMNS = [
  'model',
  'regime',
  'optimizer',
  'trial',
  'lr',
  ...PARAMS.map(snake),
  'seed',
  'diverged',
  'val_accuracy',
  'val_loss',
  'chosen',
  'at_edge',
] as const;

export function tuningCsv(view: RunView): string {
  const trials = phaseResults(view.records, tune);
  return toCsv(
    TUNING_COLUMNS,
    trials.map(({ key: t, result: r }) => {
      const c = view.tuning?.get(armId(t));
      const chosen = c !== undefined && (t.trial === undefined ? c.lr === t.lr : c.trial === t.trial);
      return [
        t.model,
        t.regime,
        t.optimizer,
        t.trial ?? '',
        t.lr,
        ...PARAMS.map((p) => t.params?.[p] ?? ''),
        t.seed,
        r.diverged ? 1 : 0,
        r.valAccuracy,
        r.valLoss,
        chosen ? 1 : 0,
        chosen ? c.edges.map((e) => `${e.name} ${e.side}`).join('; ') : '',
      ].map(cell);
    }),
  );
}
