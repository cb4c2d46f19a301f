// Robustness at matched clean accuracy (tuned suites): per model and regime, a target
// validation accuracy (suite.tune.matchTarget, or the lowest final one among the arms, mean
// over seeds); for each (arm, seed) the checkpoint whose validation accuracy is closest to
// it (the earlier on ties), re-created by re-training to that step (training is
// deterministic), and evaluated like a main cell. It compares across arms, so it runs once
// the whole grid has results, never in a shard.
import type { Hyperparameters } from '../../../core/optim/space.ts';
import type { Phase } from '../phase.ts';
import { phaseResults } from '../phase.ts';
import type { CellKey } from '../grid.ts';
import { armId, gridCells } from '../grid.ts';
import type { Suite } from '../suite.ts';
import type { CellRecord } from '../store.ts';
import { evaluate } from '../../../measure/metrics/evaluate.ts';
import { evaluateSweeps, nonFiniteProblem, type SweepPoint } from '../../../measure/metrics/robustness.ts';
import { gradientOracle, memoizeFor } from '../../../measure/metrics/gradient-oracle.ts';
import { mean } from '../../../measure/metrics/summary.ts';
import { armSetup, limitSplit, trainCell, validationSplit } from './shared.ts';
import { main } from './main.ts';
import { tunedChoices } from './tune.ts';
import { M } from '../../../measure/metrics/catalog.ts';
import { rowsAt, TRAIN, type Measurement } from '../measurement.ts';

export interface MatchedKey extends CellKey {
  /** The checkpoint: the training step the cell re-trains to. */
  readonly step: number;
}

export interface MatchedInput {
  readonly lr: number;
  readonly params?: Hyperparameters;
  readonly target: number;
  /** The first checkpoint step whose validation accuracy reached the target; null: none did. */
  readonly reached?: number | null;
}

export interface MatchedResult {
  readonly lr: number;
  /** The tuning's choice it trained with (absent in older records and grid-tuned runs). */
  readonly tuned?: Hyperparameters;
  readonly epoch: number;
  readonly valAccuracy: number;
  readonly target: number;
  readonly eval: readonly SweepPoint[];
  /** The main cell's first checkpoint at or above the target (time to target, in steps); null: never (absent in older records). */
  readonly stepsToTarget?: number | null;
}

export interface MatchPlan {
  /** Target validation accuracy per (model, regime), keyed "model|regime". */
  readonly targets: ReadonlyMap<string, number>;
  readonly cells: { readonly key: MatchedKey; readonly target: number; readonly reached: number | null }[];
}

const groupOf = (k: { readonly model: string; readonly regime: string }) => `${k.model}|${k.regime}`;

/** The matched-accuracy plan from the main results; undefined while a grid cell lacks one. */
export function matchPlan(suite: Suite, records: readonly CellRecord[]): MatchPlan | undefined {
  const results = phaseResults(records, main);
  const byId = new Map(results.map((r) => [`${armId(r.key)}|${r.key.seed}`, r]));
  const grid = gridCells(suite);
  if (grid.some((k) => !byId.has(`${armId(k)}|${k.seed}`))) return undefined;
  const live = results.filter((r) => !r.result.diverged && r.result.validation?.length);
  const targets = new Map<string, number>();
  for (const g of new Set(grid.map(groupOf))) {
    if (suite.tune?.matchTarget !== undefined) {
      targets.set(g, suite.tune.matchTarget);
      continue;
    }
    const finals = suite.optimizers
      .map((o) => live.filter((r) => groupOf(r.key) === g && r.key.optimizer === o.label).map((r) => r.result.validation!.at(-1)!.accuracy))
      .filter((v) => v.length > 0)
      .map((v) => mean(v));
    if (finals.length) targets.set(g, Math.min(...finals));
  }
  const cells = live.map(({ key, result }) => {
    const target = targets.get(groupOf(key))!;
    let best = result.validation![0]!;
    for (const c of result.validation!) if (Math.abs(c.accuracy - target) < Math.abs(best.accuracy - target)) best = c;
    const reached = result.validation!.find((c) => c.accuracy >= target)?.step ?? null;
    return { key: { model: key.model, regime: key.regime, optimizer: key.optimizer, seed: key.seed, step: best.step }, target, reached };
  });
  return { targets, cells };
}

export const matched: Phase<MatchedKey, MatchedResult, MatchedInput> = {
  name: 'matched',
  title: 'robustness at matched clean accuracy',
  sharding: 'none',
  extra: (k) => `step ${k.step}`,
  plan({ suite, records }) {
    if (!suite.tune) return undefined;
    const choices = tunedChoices(suite, records);
    const plan = matchPlan(suite, records);
    if (!choices || !plan) return undefined;
    return plan.cells.map(({ key, target, reached }) => ({
      key,
      input: { lr: choices.get(armId(key))!.lr, params: choices.get(armId(key))!.params, target, reached },
    }));
  },
  async run(ctx, key, input) {
    const { suite, dataset } = ctx;
    const setup = armSetup(ctx, key, input.params ?? { lr: input.lr });
    const { net } = setup;
    const split = validationSplit(suite, dataset);
    const test = limitSplit(dataset.test, suite.testLimit);
    let epoch = 0;
    const r = await trainCell(
      ctx,
      net,
      split.train,
      {
        ...setup.training(key.seed),
        stopAtStep: key.step,
        checkpointEvery: key.step,
        onCheckpoint: (_step, e) => {
          epoch = e;
        },
      },
      { get: () => epoch, set: (e: number) => (epoch = e) },
    );
    const val = await evaluate(net, r.weights, split.validation);
    const oracle = memoizeFor(gradientOracle(net, r.weights), test.images);
    const points = await evaluateSweeps(net, r.weights, test, dataset.shape, suite.perturbations, key.seed, oracle, ctx.perturbed);
    return {
      lr: input.lr,
      ...(input.params ? { tuned: input.params } : {}),
      epoch,
      valAccuracy: val.accuracy,
      target: input.target,
      eval: points,
      stepsToTarget: input.reached ?? null,
    };
  },
  outcome: (r) => `validation ${(100 * r.valAccuracy).toFixed(1)}% (target ${(100 * r.target).toFixed(1)}%)`,
  problem: (r) => nonFiniteProblem(r.eval),
  measurements: (key, r) => matchedMeasurements(key, r),
  order: (k) => k.step,
  lr: (_k, r) => r.lr,
  tuned: (_k, r) => r.tuned,
  scores: { metric: M.matchedAccuracy.name, againstReference: false },
};

/** The matched-accuracy view of a cell: its checkpoint, how close it came to the target, and robustness there. */
export function matchedMeasurements(key: CellKey & { readonly step: number }, r: MatchedResult): Measurement[] {
  const rows: Measurement[] = [];
  const at = rowsAt(rows, key);
  const train = at(TRAIN, 0);
  train(M.matchedStep.name, key.step);
  train(M.matchedEpoch.name, r.epoch);
  train(M.matchedValAccuracy.name, r.valAccuracy);
  train(M.matchedGap.name, r.valAccuracy - r.target);
  if (r.stepsToTarget !== undefined) train(M.stepsToTarget.name, r.stepsToTarget ?? Number.NaN);
  for (const p of r.eval) {
    const add = at(p.perturbation, p.severity);
    add(M.matchedAccuracy.name, p.accuracy);
    if (p.loss !== undefined) add(M.matchedLoss.name, p.loss);
  }
  return rows;
}
