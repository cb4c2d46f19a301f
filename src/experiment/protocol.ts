// The fair-comparison protocol (suite.tune): tuning cells pick each optimizer's learning
// rate on a validation split; the main grid then trains with it on the rest of the
// training set; matched cells re-create, for each (optimizer, seed), the end-of-epoch
// checkpoint whose validation accuracy is closest to a common target and evaluate its
// robustness. Training is deterministic, so a checkpoint is re-created by re-training.
import type { Dataset } from '../data/dataset.ts';
import { train } from '../train/train.ts';
import { evaluate } from '../metrics/evaluate.ts';
import { evaluateSweeps, type SweepPoint } from '../metrics/robustness.ts';
import { gradientOracle, memoizeFor } from '../metrics/gradient-oracle.ts';
import { mean } from '../metrics/summary.ts';
import { optimizerDefinition } from '../optim/registry.ts';
import { chooseLearningRate, lrGrid, type TuneChoice } from '../tune/choose.ts';
import { holdOut, type HoldOut } from '../tune/validation.ts';
import { limitSplit, optimizerEntry, suiteNetwork, type CellContext, type CellKey, type CellResult } from './cell.ts';
import type { Suite } from './suite.ts';
import { gridCells, shardCells, type Shard } from './grid.ts';
import { keyOf, recordKey, type AnyCellKey, type CellRecord } from './store.ts';

export interface TuneKey extends CellKey {
  readonly lr: number;
}

export interface TuneResult extends TuneKey {
  readonly diverged: boolean;
  readonly valAccuracy: number;
  readonly valLoss: number;
}

export interface MatchedKey extends CellKey {
  readonly epoch: number;
}

export interface MatchedResult extends MatchedKey {
  readonly lr: number;
  readonly valAccuracy: number;
  readonly target: number;
  readonly eval: readonly SweepPoint[];
}

export const tuneSeeds = (suite: Suite): readonly number[] => suite.tune?.seeds ?? [suite.seeds[0]!];

export function learningRateGrid(suite: Suite, label: string): number[] {
  const entry = optimizerEntry(suite, label);
  const [min, max] = suite.tune?.ranges?.[label] ?? optimizerDefinition(entry.name).lrRange;
  return lrGrid(min, max, suite.tune?.points ?? 7);
}

export function tuneCells(suite: Suite): TuneKey[] {
  return suite.optimizers.flatMap((o) => learningRateGrid(suite, o.label).flatMap((lr) => tuneSeeds(suite).map((seed) => ({ optimizer: o.label, seed, lr }))));
}

const holdOuts = new WeakMap<Dataset, Map<string, HoldOut>>();

/** The suite's validation split (cached per dataset and size). */
export function validationSplit(suite: Suite, dataset: Dataset): HoldOut {
  const full = limitSplit(dataset.train, suite.trainLimit);
  const size = Math.round(full.count * (suite.tune?.validationFraction ?? 0.1));
  let byKey = holdOuts.get(dataset);
  if (!byKey) holdOuts.set(dataset, (byKey = new Map()));
  const key = `${full.count}/${size}`;
  let h = byKey.get(key);
  if (!h) byKey.set(key, (h = holdOut(full, size)));
  return h;
}

export async function runTuneCell(ctx: CellContext, key: TuneKey): Promise<TuneResult> {
  const { suite, dataset } = ctx;
  const entry = optimizerEntry(suite, key.optimizer);
  const split = validationSplit(suite, dataset);
  const net = suiteNetwork(suite, dataset, ctx.threads);
  const r = await train(net, split.train, { seed: key.seed, epochs: suite.epochs, batchSize: suite.batchSize, optimizer: entry.name, optimizerOptions: { ...entry.options, lr: key.lr }, schedule: entry.schedule });
  if (r.diverged) return { ...key, diverged: true, valAccuracy: Number.NaN, valLoss: Number.NaN };
  const s = await evaluate(net, r.weights, split.validation);
  return { ...key, diverged: false, valAccuracy: s.accuracy, valLoss: s.loss };
}

/** The learning rate chosen for each optimizer label, from complete tuning results. */
export function tunedChoices(suite: Suite, results: readonly TuneResult[]): Map<string, TuneChoice> {
  const metric = suite.tune?.metric ?? 'accuracy';
  return new Map(suite.optimizers.map((o) => [o.label, chooseLearningRate(results.filter((r) => r.optimizer === o.label), metric)]));
}

export interface MatchPlan {
  readonly target: number;
  readonly cells: MatchedKey[];
}

/**
 * The matched-accuracy rule: target = suite.tune.matchTarget, or else the lowest final
 * validation accuracy (mean over seeds) among the optimizers; for each (optimizer, seed)
 * the end-of-epoch checkpoint whose validation accuracy is closest to it (earlier on ties).
 * Diverged cells are left out.
 */
export function matchPlan(suite: Suite, results: readonly CellResult[]): MatchPlan {
  const live = results.filter((r) => !r.diverged && r.validation?.length);
  const finals = suite.optimizers
    .map((o) => live.filter((r) => r.optimizer === o.label).map((r) => r.validation![r.validation!.length - 1]!.accuracy))
    .filter((v) => v.length > 0)
    .map((v) => mean(v));
  const target = suite.tune?.matchTarget ?? Math.min(...finals);
  const cells = live.map((r) => {
    let best = r.validation![0]!;
    for (const e of r.validation!) if (Math.abs(e.accuracy - target) < Math.abs(best.accuracy - target)) best = e;
    return { optimizer: r.optimizer, seed: r.seed, epoch: best.epoch };
  });
  return { target, cells };
}

export async function runMatchedCell(ctx: CellContext, key: MatchedKey, lr: number, target: number): Promise<MatchedResult> {
  const { suite, dataset } = ctx;
  const entry = optimizerEntry(suite, key.optimizer);
  const split = validationSplit(suite, dataset);
  const test = limitSplit(dataset.test, suite.testLimit);
  const net = suiteNetwork(suite, dataset, ctx.threads);
  const r = await train(net, split.train, { seed: key.seed, epochs: suite.epochs, stopAfter: key.epoch, batchSize: suite.batchSize, optimizer: entry.name, optimizerOptions: { ...entry.options, lr }, schedule: entry.schedule });
  const val = await evaluate(net, r.weights, split.validation);
  const oracle = memoizeFor(gradientOracle(net, r.weights), test.images);
  const points = await evaluateSweeps(net, r.weights, test, dataset.shape, suite.perturbations, key.seed, oracle);
  return { ...key, lr, valAccuracy: val.accuracy, target, eval: points };
}

/**
 * The cells a run still lacks a result for (failed ones included), phase by phase: tuning
 * trials, the (sharded) grid, and, once the grid is complete, the matched cells.
 */
export function missingCells(suite: Suite, records: readonly CellRecord[], shard?: Shard): AnyCellKey[] {
  const done = new Set(records.filter((r) => r.kind !== 'failure').map((r) => keyOf(recordKey(r))));
  const lacking = (keys: readonly AnyCellKey[]) => keys.filter((k) => !done.has(keyOf(k)));
  const tune = suite.tune ? lacking(tuneCells(suite).map((k) => ({ ...k, phase: 'tune' as const }))) : [];
  const grid = lacking(shardCells(gridCells(suite), shard));
  if (!suite.tune || shard || tune.length || grid.length) return [...tune, ...grid];
  const results = records.flatMap((r) => (r.kind === 'result' ? [r.result] : []));
  return lacking(matchPlan(suite, results).cells.map((k) => ({ ...k, phase: 'matched' as const })));
}
