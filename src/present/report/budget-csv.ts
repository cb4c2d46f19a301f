// budget.csv (tune.budgets): per tuning budget and perturbation, each arm's rank, the trial
// that budget chose and its headline score (mean over seeds), and whether the ranking is the
// full budget's (with Kendall's tau against it).
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { cell } from './format.ts';

export const BUDGET_COLUMNS = [
  'budget',
  'perturbation',
  'rank',
  'model',
  'regime',
  'optimizer',
  'trial',
  'score',
  'seeds',
  'ranking_holds',
  'kendall_tau',
] as const;

export function budgetCsv(view: RunView): string {
  return toCsv(
    BUDGET_COLUMNS,
    (view.budgets ?? []).flatMap((b) =>
      b.ranking.map((id, i) => {
        const a = view.arms.find((x) => x.id === id)!;
        const s = b.arms.get(id)!;
        return [b.budget, b.perturbation, i + 1, a.model, a.regime, a.optimizer, s.trial, s.score, s.seeds, b.holds ? 1 : 0, b.tau].map(cell);
      }),
    ),
  );
}
