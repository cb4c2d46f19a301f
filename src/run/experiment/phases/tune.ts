// Tuning (suite.tune, --tune): each arm is trained at every point of its search on the
// training set minus the validation split, for the tuning seeds; the validation score picks
// the hyperparameters the main phase uses. The search is a quasirandom one (the first
// `budget` points of a scrambled Halton sequence over the arm's search space, the same
// budget and the same unit points for every arm) or a learning-rate grid. Every shard runs
// all of it (it is deterministic), so each shard's main cells train at the same values.
import type { Phase } from '../phase.ts';
import { phaseResults } from '../phase.ts';
import type { CellKey } from '../grid.ts';
import { suiteArms } from '../grid.ts';
import type { Suite } from '../suite.ts';
import { evaluate } from '../../../measure/metrics/evaluate.ts';
import { optimizerDefinition } from '../../../core/optim/registry.ts';
import { chooseLearningRate, chooseTrial, lrGrid, type TuneChoice } from '../../tune/choose.ts';
import { scrambledHalton } from '../../tune/halton.ts';
import { dimensionValue, type Dimension, type Hyperparameters } from '../../../core/optim/space.ts';
import type { Arm } from '../grid.ts';
import { formatNumber } from '../../../core/util/number-format.ts';
import { armId, type ArmKey } from '../grid.ts';
import type { CellRecord } from '../store.ts';
import { armSetup, trainCell, validationSplit } from './shared.ts';
import { TUNE_DEFAULTS } from '../../tune/options.ts';

export interface TuneKey extends CellKey {
  readonly lr: number;
  /** A quasirandom trial's index in the sequence and its point (a grid's cells have neither). */
  readonly trial?: number;
  readonly params?: Hyperparameters;
}

export interface TuneResult {
  readonly diverged: boolean;
  readonly valAccuracy: number;
  readonly valLoss: number;
}

/**
 * The tuning method. defineSuite writes it into every resolved suite, so a suite without one
 * is a run.json from before quasirandom tuning: its trials are a learning-rate grid's.
 */
export const tuneMethod = (suite: Suite): 'quasirandom' | 'grid' => suite.tune?.method ?? 'grid';

/** The tuning seeds: given, or the suite's first (grid) or first two (quasirandom; the first and the next when the suite has one). */
export function tuneSeeds(suite: Suite): readonly number[] {
  if (suite.tune?.seeds) return suite.tune.seeds;
  const first = suite.seeds[0]!;
  if (tuneMethod(suite) === 'grid') return [first];
  return suite.seeds.length >= TUNE_DEFAULTS.seedCount ? suite.seeds.slice(0, TUNE_DEFAULTS.seedCount) : [first, first === 0xffffffff ? first - 1 : first + 1];
}

export const tuneBudget = (suite: Suite): number => suite.tune?.budget ?? TUNE_DEFAULTS.budget;

/** An arm's search space (recorded in the resolved suite). */
export function armSpace(arm: Arm): readonly (readonly [string, Dimension])[] {
  if (!arm.entry.space) throw new Error(`arm ${arm.optimizer} has no search space recorded (a suite resolved before quasirandom tuning)`);
  return arm.entry.space;
}

const sequences = new Map<string, (index: number) => number[]>();

/** Trial `index` of an arm's quasirandom search: the sequence is seeded by the first tuning seed, its k-th coordinate is the k-th dimension. */
export function trialPoint(suite: Suite, arm: Arm, index: number): Hyperparameters {
  const space = armSpace(arm);
  const seed = tuneSeeds(suite)[0]!;
  const id = `${seed}/${space.length}`;
  let seq = sequences.get(id);
  if (!seq) sequences.set(id, (seq = scrambledHalton(space.length, seed)));
  const u = seq(index);
  return Object.fromEntries(space.map(([name, d], k) => [name, dimensionValue(d, u[k]!)]));
}

export function learningRateGrid(suite: Suite, arm: ArmKey & { readonly entryName: string; readonly lrRange?: readonly [number, number] }): number[] {
  // A user-defined optimizer's range is recorded in the suite, so a run reads back without its module.
  const [min, max] = suite.tune?.ranges?.[arm.optimizer] ?? arm.lrRange ?? optimizerDefinition(arm.entryName).lrRange;
  return lrGrid(min, max, suite.tune?.points ?? TUNE_DEFAULTS.points);
}

export function tuneCells(suite: Suite): TuneKey[] {
  const seeds = tuneSeeds(suite);
  if (tuneMethod(suite) === 'grid')
    return suiteArms(suite).flatMap((a) =>
      learningRateGrid(suite, { ...a, entryName: a.entry.name, lrRange: a.entry.lrRange }).flatMap((lr) =>
        seeds.map((seed) => ({ model: a.model, regime: a.regime, optimizer: a.optimizer, seed, lr })),
      ),
    );
  return suiteArms(suite).flatMap((a) =>
    Array.from({ length: tuneBudget(suite) }, (_, trial) => {
      const params = trialPoint(suite, a, trial);
      return seeds.map((seed) => ({ model: a.model, regime: a.regime, optimizer: a.optimizer, seed, lr: params.lr as number, trial, params }));
    }).flat(),
  );
}

/** A point as text: "lr 0.01, weightDecay 1e-4, schedule cosine". */
export const paramsText = (h: Hyperparameters): string =>
  Object.entries(h)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(', ');

export const tune: Phase<TuneKey, TuneResult, null> = {
  name: 'tune',
  title: 'tuning',
  sharding: 'all',
  extra: (k) => (k.trial === undefined ? `lr ${formatNumber(k.lr)}` : `trial ${k.trial}: ${paramsText(k.params!)}`),
  plan: ({ suite }) => (suite.tune ? tuneCells(suite).map((key) => ({ key, input: null })) : undefined),
  async run(ctx, key) {
    const { suite, dataset } = ctx;
    const setup = armSetup(ctx, key, key.params ?? { lr: key.lr });
    const split = validationSplit(suite, dataset);
    const r = await trainCell(ctx, setup.net, split.train, setup.training(key.seed));
    if (r.diverged) return { diverged: true, valAccuracy: Number.NaN, valLoss: Number.NaN };
    const s = await evaluate(setup.net, r.weights, split.validation);
    return { diverged: false, valAccuracy: s.accuracy, valLoss: s.loss };
  },
  outcome: (r) => (r.diverged ? 'diverged' : `validation accuracy ${(100 * r.valAccuracy).toFixed(1)}%`),
  measurements: () => [],
  order: (k) => k.trial ?? k.lr,
  lr: (k) => k.lr,
};

/**
 * What each arm (by id) trains with, chosen from its tuning trials (a quasirandom search's
 * first `budget` trials when given: budgets are prefixes); undefined while any is missing.
 */
export function tunedChoices(suite: Suite, records: readonly CellRecord[], budget?: number): Map<string, TuneChoice> | undefined {
  const trials = phaseResults(records, tune);
  const metric = suite.tune?.metric ?? TUNE_DEFAULTS.metric;
  const grid = tuneMethod(suite) === 'grid';
  const choices = new Map<string, TuneChoice>();
  for (const a of suiteArms(suite)) {
    const mine = trials
      .filter((t) => armId(t.key) === a.id && (grid ? t.key.trial === undefined : t.key.trial !== undefined))
      .map((t) => ({ ...t.result, lr: t.key.lr, seed: t.key.seed, trial: t.key.trial, params: t.key.params }));
    const points = grid ? learningRateGrid(suite, { ...a, entryName: a.entry.name, lrRange: a.entry.lrRange }).length : tuneBudget(suite);
    if (mine.length < points * tuneSeeds(suite).length) return undefined;
    choices.set(a.id, grid ? chooseLearningRate(mine, metric) : chooseTrial(mine, metric, armSpace(a), budget));
  }
  return choices;
}
