// Budget sensitivity (tune.budgets): would a smaller tuning budget have chosen differently,
// and would the robustness ranking then differ? A budget's choice comes from the first
// `budget` trials of the same quasirandom search (nested prefixes, no trial runs twice);
// where it differs from the full budget's, the arm is trained and evaluated at it like a
// main cell, for every seed. Where it is the same, the main cells are its cells. The
// rankings are compared in results/budgets.ts.
import type { Phase } from '../phase.ts';
import type { CellKey } from '../grid.ts';
import { armId, shardCells, suiteArms } from '../grid.ts';
import type { Hyperparameters } from '../../../core/optim/space.ts';
import type { CellRecord } from '../store.ts';
import type { Suite } from '../suite.ts';
import { main, type CellResult } from './main.ts';
import { paramsText, tunedChoices, tuneMethod } from './tune.ts';
import { TUNE_DEFAULTS } from '../../tune/options.ts';

export interface BudgetKey extends CellKey {
  /** The trial a smaller budget chose (its index in the quasirandom sequence). */
  readonly trial: number;
}

export interface BudgetInput {
  readonly params: Hyperparameters;
}

/** The smaller budgets of a suite (those below tune.budget; the full one is the main phase's). */
export function smallerBudgets(suite: Suite): number[] {
  const full = suite.tune?.budget ?? TUNE_DEFAULTS.budget;
  return (suite.tune?.budgets ?? []).filter((b) => b < full);
}

/** The cells the smaller budgets need: every (arm, trial) a budget chose that the full budget did not, for every seed; undefined until tuning is done. */
export function budgetCells(suite: Suite, records: readonly CellRecord[]): { key: BudgetKey; input: BudgetInput }[] | undefined {
  const full = tunedChoices(suite, records);
  if (!full) return undefined;
  const out = new Map<string, { key: BudgetKey; input: BudgetInput }>();
  for (const b of smallerBudgets(suite)) {
    const at = tunedChoices(suite, records, b)!;
    for (const a of suiteArms(suite)) {
      const c = at.get(a.id)!;
      if (c.trial === full.get(a.id)!.trial) continue;
      for (const seed of suite.seeds) {
        const key = { model: a.model, regime: a.regime, optimizer: a.optimizer, seed, trial: c.trial! };
        out.set(`${armId(key)}|${seed}|${c.trial}`, { key, input: { params: c.params } });
      }
    }
  }
  return [...out.values()];
}

export const budget: Phase<BudgetKey, CellResult, BudgetInput> = {
  name: 'budget',
  title: 'budget sensitivity',
  sharding: 'slice',
  extra: (k) => `trial ${k.trial}`,
  plan({ suite, shard, records }) {
    if (smallerBudgets(suite).length === 0 || tuneMethod(suite) === 'grid') return undefined;
    const cells = budgetCells(suite, records);
    return cells && shardCells(cells, shard);
  },
  run: (ctx, key, input) => main.run(ctx, key, { lr: input.params.lr as number, params: input.params }),
  outcome: (r) => `${main.outcome(r)} (${paramsText({ lr: r.lr })})`,
  problem: (r) => main.problem?.(r),
  // Not the grid's results: budget.csv and the report's budget table read them.
  measurements: () => [],
  order: (k) => k.trial,
  lr: (_k, r) => r.lr,
};
