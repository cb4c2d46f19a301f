// Budget sensitivity, from the records: for each tuning budget (tune.budgets, then the full
// tune.budget) and each perturbation, every arm's headline score (the mean over seeds of
// `accuracy_auc`, the accuracy averaged over the sweep) at the hyperparameters that budget
// chose, the arms ranked by it, and whether that ranking is the full budget's. The full
// budget's cells are the main phase's; a smaller budget reuses them where it chose the same
// trial and reads the budget phase's cells where it did not. Schmidt et al. 2021
// ("Descending through a Crowded Valley") found rankings change with the budget; this says
// whether this run's robustness rankings do.
import { phaseResults } from '../experiment/phase.ts';
import { main, type CellResult } from '../experiment/phases/main.ts';
import { budget, smallerBudgets } from '../experiment/phases/budget.ts';
import { tunedChoices } from '../experiment/phases/tune.ts';
import { armId, suiteArms, type CellKey } from '../experiment/grid.ts';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { cellScores } from './cell-scores.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';

export interface BudgetRanking {
  readonly budget: number;
  readonly perturbation: string;
  /** Arm ids, best first; an arm without a finite score last. */
  readonly ranking: readonly string[];
  /** Per arm id: the trial chosen at this budget and its score (mean over seeds). */
  readonly arms: ReadonlyMap<string, { readonly trial: number; readonly score: number; readonly seeds: number }>;
  /** The ranking is the full budget's, arm for arm. */
  readonly holds: boolean;
  /** Kendall's tau between this ranking and the full budget's (1: the same order). */
  readonly tau: number;
}

/** Kendall's tau-a between two orders of the same items. */
export function kendallTau(a: readonly string[], b: readonly string[]): number {
  const pos = new Map(b.map((x, i) => [x, i]));
  let concordant = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = i + 1; j < a.length; j++) {
      pairs++;
      concordant += pos.get(a[i]!)! < pos.get(a[j]!)! ? 1 : -1;
    }
  return pairs === 0 ? 1 : concordant / pairs;
}

/** Every budget's rankings, or undefined when the suite has no smaller budgets or a cell they need is missing. */
export function budgetRankings(suite: Suite, records: readonly CellRecord[]): BudgetRanking[] | undefined {
  const budgets = smallerBudgets(suite);
  if (budgets.length === 0) return undefined;
  const full = suite.tune?.budget;
  const fullChoices = tunedChoices(suite, records);
  if (!fullChoices || full === undefined) return undefined;
  // (arm id, trial) -> seed -> scores.
  const cells = new Map<string, Map<number, Map<string, number>>>();
  const add = (key: CellKey, trial: number, r: CellResult): void => {
    if (r.eval === null) return;
    const id = `${armId(key)}#${trial}`;
    if (!cells.has(id)) cells.set(id, new Map());
    cells.get(id)!.set(key.seed, cellScores(key, r));
  };
  for (const { key, result } of phaseResults(records, main)) add(key, fullChoices.get(armId(key))!.trial!, result);
  for (const { key, result } of phaseResults(records, budget)) add(key, key.trial, result);
  const arms = suiteArms(suite);
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  const out: BudgetRanking[] = [];
  const fullRank = new Map<string, string[]>();
  for (const b of [...budgets, full].sort((x, y) => y - x)) {
    const choices = b === full ? fullChoices : tunedChoices(suite, records, b)!;
    for (const p of perturbations) {
      const scores = new Map<string, { trial: number; score: number; seeds: number }>();
      for (const a of arms) {
        const trial = choices.get(a.id)!.trial!;
        const bySeed = cells.get(`${a.id}#${trial}`);
        const values = suite.seeds.map((s) => bySeed?.get(s)?.get(p));
        if (values.some((v) => v === undefined) && b !== full) return undefined;
        const finite = values.filter((v): v is number => v !== undefined);
        scores.set(a.id, { trial, score: finite.length ? finite.reduce((x, y) => x + y, 0) / finite.length : Number.NaN, seeds: finite.length });
      }
      // Scores are accuracies in [0, 1]: a missing or non-finite one ranks below every other; ties keep the suite's order.
      const score = (id: string) => (Number.isFinite(scores.get(id)!.score) ? scores.get(id)!.score : -1);
      const ranking = arms.map((a) => a.id).sort((x, y) => score(y) - score(x));
      if (b === full) fullRank.set(p, ranking);
      const reference = fullRank.get(p)!;
      out.push({
        budget: b,
        perturbation: p,
        ranking,
        arms: scores,
        holds: ranking.every((id, i) => id === reference[i]),
        tau: kendallTau(ranking, reference),
      });
    }
  }
  return out.sort((x, y) => x.budget - y.budget || perturbations.indexOf(x.perturbation) - perturbations.indexOf(y.perturbation));
}
