// Tuning (suite.tune, --tune): each arm is trained at every learning rate of its grid on the
// training set minus the validation split, for the tuning seeds; the validation score picks
// the rate the main phase uses. Every shard runs all of it (it is deterministic), so each
// shard's main cells train at the same rates.
import type { Phase } from '../phase.ts';
import { phaseResults } from '../phase.ts';
import type { CellKey } from '../grid.ts';
import { suiteArms } from '../grid.ts';
import type { Suite } from '../suite.ts';
import { evaluate } from '../../../measure/metrics/evaluate.ts';
import { optimizerDefinition } from '../../../core/optim/registry.ts';
import { chooseLearningRate, lrGrid, type TuneChoice } from '../../tune/choose.ts';
import { formatNumber } from '../../../core/util/number-format.ts';
import { armId, type ArmKey } from '../grid.ts';
import type { CellRecord } from '../store.ts';
import { armSetup, trainCell, validationSplit } from './shared.ts';
import { TUNE_DEFAULTS } from '../../tune/options.ts';

export interface TuneKey extends CellKey {
  readonly lr: number;
}

export interface TuneResult {
  readonly diverged: boolean;
  readonly valAccuracy: number;
  readonly valLoss: number;
}

export const tuneSeeds = (suite: Suite): readonly number[] => suite.tune?.seeds ?? [suite.seeds[0]!];

export function learningRateGrid(suite: Suite, arm: ArmKey & { readonly entryName: string; readonly lrRange?: readonly [number, number] }): number[] {
  // A user-defined optimizer's range is recorded in the suite, so a run reads back without its module.
  const [min, max] = suite.tune?.ranges?.[arm.optimizer] ?? arm.lrRange ?? optimizerDefinition(arm.entryName).lrRange;
  return lrGrid(min, max, suite.tune?.points ?? TUNE_DEFAULTS.points);
}

export function tuneCells(suite: Suite): TuneKey[] {
  return suiteArms(suite).flatMap((a) =>
    learningRateGrid(suite, { ...a, entryName: a.entry.name, lrRange: a.entry.lrRange }).flatMap((lr) =>
      tuneSeeds(suite).map((seed) => ({ model: a.model, regime: a.regime, optimizer: a.optimizer, seed, lr })),
    ),
  );
}

export const tune: Phase<TuneKey, TuneResult, null> = {
  name: 'tune',
  title: 'learning-rate tuning',
  sharding: 'all',
  extra: (k) => `lr ${formatNumber(k.lr)}`,
  plan: ({ suite }) => (suite.tune ? tuneCells(suite).map((key) => ({ key, input: null })) : undefined),
  async run(ctx, key) {
    const { suite, dataset } = ctx;
    const setup = armSetup(ctx, key, key.lr);
    const split = validationSplit(suite, dataset);
    const r = await trainCell(ctx, setup.net, split.train, setup.training(key.seed));
    if (r.diverged) return { diverged: true, valAccuracy: Number.NaN, valLoss: Number.NaN };
    const s = await evaluate(setup.net, r.weights, split.validation);
    return { diverged: false, valAccuracy: s.accuracy, valLoss: s.loss };
  },
  outcome: (r) => (r.diverged ? 'diverged' : `validation accuracy ${(100 * r.valAccuracy).toFixed(1)}%`),
  measurements: () => [],
  order: (k) => k.lr,
  lr: (k) => k.lr,
};

/** The learning rate chosen for each arm (by id), from its tuning trials; undefined while any is missing. */
export function tunedChoices(suite: Suite, records: readonly CellRecord[]): Map<string, TuneChoice> | undefined {
  const trials = phaseResults(records, tune);
  const metric = suite.tune?.metric ?? TUNE_DEFAULTS.metric;
  const choices = new Map<string, TuneChoice>();
  for (const a of suiteArms(suite)) {
    const mine = trials.filter((t) => armId(t.key) === a.id).map((t) => ({ ...t.result, lr: t.key.lr, seed: t.key.seed }));
    const expected = learningRateGrid(suite, { ...a, entryName: a.entry.name, lrRange: a.entry.lrRange }).length * tuneSeeds(suite).length;
    if (mine.length < expected) return undefined;
    choices.set(a.id, chooseLearningRate(mine, metric));
  }
  return choices;
}
