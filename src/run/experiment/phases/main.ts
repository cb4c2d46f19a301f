// The main phase: each cell trains its arm for the suite's epochs (at the tuned learning
// rate on the training set minus the validation split when the suite tunes, recording
// validation accuracy at checkpoints within epochs for the matched phase), then evaluates
// clean and perturbed test accuracy and input-gradient norms. A diverged run records no
// robustness metrics.
import type { Hyperparameters } from '../../../core/optim/space.ts';
import type { Phase } from '../phase.ts';
import type { CellKey } from '../grid.ts';
import { gridCells, shardCells, armId } from '../grid.ts';
import type { Divergence, StepRecord } from '../../train/train.ts';
import { evaluate } from '../../../measure/metrics/evaluate.ts';
import { classCounts, evaluateSweeps, nonFiniteProblem, type SweepPoint } from '../../../measure/metrics/robustness.ts';
import { galleryIndices } from '../../../measure/metrics/gallery.ts';
import { normalisationProbe, type NormalisationProbe } from '../../../measure/metrics/normalisation.ts';
import { statesPreprocess } from '../../../core/model/families/onnx.ts';
import { maskingChecks } from '../../../measure/metrics/masking.ts';
import { sharpness, SHARPNESS_DEFAULTS, type Sharpness } from '../../../measure/metrics/sharpness.ts';
import { robustRadius, ROBUST_RADIUS_DEFAULTS, type RobustRadius } from '../../../measure/metrics/robust-radius.ts';
import { fourierHeatMap, FOURIER_DEFAULTS, type FourierHeatMap } from '../../../measure/metrics/fourier-heatmap.ts';
import { gradientOracle, memoizeFor } from '../../../measure/metrics/gradient-oracle.ts';
import { inputGradientNorms, type InputGradientNorms } from '../../../measure/metrics/input-gradients.ts';
import { summarize, type Summary } from '../../../measure/metrics/summary.ts';
import type { Network } from '../../../core/model/network.ts';
import { armSetup, limitSplit, trainCell, validationSplit } from './shared.ts';
import { tunedChoices } from './tune.ts';
import { FAMILY, INPUT_GRAD_STATS, M, STATS, stageMetric, statName } from '../../../measure/metrics/catalog.ts';
import { getPerturbation } from '../../../measure/perturb/registry.ts';
import { median } from '../../../measure/metrics/summary.ts';
import { bandError } from '../../../measure/metrics/fourier-heatmap.ts';
import { rowsAt, TRAIN, type AddRow, type Measurement } from '../measurement.ts';
import { TUNE_DEFAULTS } from '../../tune/options.ts';

/** A parameter tensor, for per-layer diagnostics: its layer and that layer's depth among the layers with parameters. */
export interface TensorInfo {
  readonly name: string;
  readonly layer: string;
  /** 1-based, in forward order. */
  readonly depth: number;
  /** The layer's kind (dense, conv2d, batchNorm...). */
  readonly op: string;
}

/** Validation accuracy at a checkpoint (tuned runs): the matched phase picks from these. */
export interface Checkpoint {
  readonly step: number;
  readonly epoch: number;
  readonly accuracy: number;
  readonly loss: number;
}

export interface CellResult {
  readonly optimizerName: string;
  readonly lr: number;
  /** A tuned cell's hyperparameters (the tuning's choice: learning rate, weight decay, betas, warmup, schedule). */
  readonly tuned?: Hyperparameters;
  readonly diverged: Divergence | null;
  readonly train: {
    readonly steps: number;
    readonly finalLoss: number;
    readonly gradNorm: Summary;
    readonly updateNorm: Summary;
    /** Gradient evaluations (SAM takes two per step); absent in records from before it was recorded. */
    readonly gradientEvaluations?: number;
  };
  /** Absent (null) when the run diverged. */
  readonly eval: readonly SweepPoint[] | null;
  /** Test examples per class, the denominators of the points' per-class counts (absent in older records). */
  readonly classCounts?: readonly number[];
  /** The first seed's cells: the test examples of the report's gallery, whose predictions (and images) the points carry. */
  readonly gallery?: { readonly indices: readonly number[]; readonly labels: readonly number[]; readonly shape: readonly [number, number, number] };
  readonly inputGradients: InputGradientNorms | null;
  /** A pretrained ONNX model scored with no stated preprocessing: its clean accuracy on standardised test images. */
  readonly normalisation?: NormalisationProbe;
  /** The Hessian of the training loss at the end (suites with `sharpness`). */
  readonly sharpness?: Sharpness;
  /** The median minimal PGD radius over test examples (suites with `robustRadius`). */
  readonly robustRadius?: RobustRadius;
  /** Test error per 2-D Fourier basis direction (suites with `fourier`). */
  readonly fourier?: FourierHeatMap;
  /** Training curve: step 1, every `stepLogEvery`-th step, and the last. */
  readonly steps: readonly StepRecord[];
  readonly tensors: readonly TensorInfo[];
  /** With tuning: validation accuracy and loss at checkpoints within epochs. */
  readonly validation?: readonly Checkpoint[];
}

export interface MainInput {
  /** The tuned learning rate (the suite tunes), trained on the training set minus the validation split. */
  readonly lr?: number;
  /** Every tuned hyperparameter (the learning rate among them). */
  readonly params?: Hyperparameters;
}

export function tensorInfo(net: Network): TensorInfo[] {
  let depth = 0;
  return net.layers.flatMap((l) => {
    if (l.params.length > 0) depth++;
    return l.params.map((p) => ({ name: p.name, layer: l.name, depth, op: l.kind.op }));
  });
}

/** Checkpoints per epoch at which tuned runs measure validation accuracy (matching at step granularity). */
export const checkpointsPerEpoch = (suite: { readonly tune?: { readonly checkpoints?: number } }): number =>
  suite.tune?.checkpoints ?? TUNE_DEFAULTS.checkpoints;

export const main: Phase<CellKey, CellResult, MainInput> = {
  name: 'main',
  title: 'training and evaluation',
  sharding: 'slice',
  extra: () => '',
  plan({ suite, shard, records }) {
    const choices = suite.tune ? tunedChoices(suite, records) : undefined;
    if (suite.tune && !choices) return undefined;
    return shardCells(gridCells(suite), shard).map((key) => {
      const c = choices?.get(armId(key));
      return { key, input: { lr: c?.lr, ...(c ? { params: c.params } : {}) } };
    });
  },
  async run(ctx, key, input) {
    const { suite, dataset } = ctx;
    const tuned = input.lr !== undefined;
    const setup = armSetup(ctx, key, input.params ?? (tuned ? { lr: input.lr! } : undefined));
    const { arm, net, options } = setup;
    ctx.lap?.('setup');
    const holdOut = tuned ? validationSplit(suite, dataset) : undefined;
    const trainSplit = holdOut?.train ?? limitSplit(dataset.train, suite.trainLimit);
    const testSplit = limitSplit(dataset.test, suite.testLimit);
    const validation: Checkpoint[] = [];
    const perEpoch = Math.ceil(trainSplit.count / suite.batchSize);
    const result = await trainCell(
      ctx,
      net,
      trainSplit,
      {
        ...setup.training(key.seed),
        checkpointEvery: holdOut ? Math.max(1, Math.round(perEpoch / checkpointsPerEpoch(suite))) : undefined,
        onCheckpoint: holdOut
          ? async (step, epoch, weights) => {
              const s = await evaluate(net, weights, holdOut.validation);
              validation.push({ step, epoch, accuracy: s.accuracy, loss: s.loss });
            }
          : undefined,
      },
      { get: () => validation, set: (v: Checkpoint[]) => validation.splice(0, validation.length, ...v) },
    );
    ctx.lap?.('train');
    const every = suite.stepLogEvery;
    const steps = result.steps.filter((s, i) => s.step === 1 || s.step % every === 0 || i === result.steps.length - 1);
    const base = {
      optimizerName: arm.entry.name,
      lr: options.lr as number,
      ...(input.params ? { tuned: input.params } : {}),
      diverged: result.diverged,
      train: {
        steps: result.steps.length,
        finalLoss: result.finalTrainLoss,
        gradNorm: summarize(result.steps.map((s) => s.gradNorm)),
        updateNorm: summarize(result.steps.map((s) => s.updateNorm)),
        gradientEvaluations: result.gradientEvaluations,
      },
      steps,
      tensors: tensorInfo(net),
      ...(holdOut ? { validation } : {}),
    };
    if (result.diverged) return { ...base, eval: null, inputGradients: null };
    ctx.keepWeights?.(result.weights);
    const oracle = memoizeFor(gradientOracle(net, result.weights), testSplit.images);
    // The gallery: the first seed's cells record its predictions; the reference arm's keep every image, the others an attack's.
    const gallery =
      key.seed === suite.seeds[0]
        ? ({ indices: galleryIndices(testSplit.labels, testSplit.count, net.numClasses), images: key.optimizer === suite.reference ? 'all' : 'model' } as const)
        : undefined;
    const evalPoints = await evaluateSweeps(net, result.weights, testSplit, dataset.shape, suite.perturbations, key.seed, oracle, ctx.perturbed, gallery);
    // A pretrained file scored without stated preprocessing: would standardising its input have scored it higher?
    const probe =
      suite.epochs === 0 && arm.modelSpec.kind === 'onnx' && !statesPreprocess(arm.modelSpec)
        ? await normalisationProbe(net, result.weights, testSplit, dataset.shape)
        : undefined;
    const inputGradients = await inputGradientNorms(oracle, testSplit.images, testSplit.labels, testSplit.count);
    const sharp = suite.sharpness ? await sharpness(net, result.weights, trainSplit, { ...SHARPNESS_DEFAULTS, ...suite.sharpness, seed: key.seed }) : undefined;
    const radius = suite.robustRadius ? await robustRadius(oracle, testSplit, { ...ROBUST_RADIUS_DEFAULTS, ...suite.robustRadius }) : undefined;
    const fourier = suite.fourier
      ? await fourierHeatMap(net, result.weights, testSplit, dataset.shape, key.seed, { ...FOURIER_DEFAULTS, ...suite.fourier })
      : undefined;
    ctx.lap?.('evaluate');
    return {
      ...base,
      eval: evalPoints,
      classCounts: classCounts(testSplit.labels, testSplit.count, net.numClasses),
      ...(probe ? { normalisation: probe } : {}),
      ...(gallery ? { gallery: { indices: gallery.indices, labels: gallery.indices.map((i) => testSplit.labels[i]!), shape: dataset.shape } } : {}),
      inputGradients,
      ...(sharp ? { sharpness: sharp } : {}),
      ...(radius ? { robustRadius: radius } : {}),
      ...(fourier ? { fourier } : {}),
    };
  },
  outcome(r) {
    if (r.diverged) return `diverged at step ${r.diverged.step}`;
    const problem = nonFiniteProblem(r.eval);
    if (problem) return problem;
    return `clean accuracy ${(100 * r.eval!.find((p) => p.perturbation === 'clean')!.accuracy).toFixed(1)}%`;
  },
  problem: (r) => nonFiniteProblem(r.eval),
  measurements: (key, r) => cellMeasurements(key, r),
  order: () => 0,
  lr: (_k, r) => r.lr,
  tuned: (_k, r) => r.tuned,
  failedUnder: TRAIN,
  scores: { metric: M.accuracy.name, againstReference: true },
};

// ---------------------------------------------------------------- its rows (results.csv)

function summaryRows(prefix: string, s: Summary, add: AddRow, keys: readonly (keyof Summary)[]): void {
  for (const k of keys) add(statName(prefix, k), s[k]);
}

/**
 * The first layer's gradient norm over the last layer's, per logged step: the weights of the
 * first and last dense or convolutional layers (vanishing gradients: << 1; exploding: >> 1).
 */
export function firstLastRatios(r: CellResult): number[] {
  const weights = r.tensors.map((t, i) => ({ t, i })).filter(({ t }) => (t.op === 'dense' || t.op === 'conv2d') && t.name.endsWith('.weight'));
  if (weights.length < 2) return [];
  const first = weights[0]!.i;
  const last = weights[weights.length - 1]!.i;
  return r.steps.map((s) => s.tensorGradNorms[first]! / s.tensorGradNorms[last]!);
}

export function cellMeasurements(key: CellKey, r: CellResult): Measurement[] {
  const rows: Measurement[] = [];
  const at = rowsAt(rows, key);
  const train = at(TRAIN, 0);
  train(M.steps.name, r.train.steps);
  // A pretrained model evaluated as it is (0 epochs) has no training to describe.
  if (r.train.steps > 0) trainRows(r, train);
  if (r.sharpness) {
    train(M.hessianTop.name, r.sharpness.topEigenvalue);
    train(M.hessianTrace.name, r.sharpness.trace);
  }
  for (const p of r.eval ?? []) {
    const add = at(p.perturbation, p.severity);
    add(M.accuracy.name, p.accuracy);
    if (p.loss !== undefined) add(M.loss.name, p.loss);
    if (p.ece !== undefined) add(M.ece.name, p.ece);
    if (p.brier !== undefined) add(M.brier.name, p.brier);
    // An ensemble's running accuracy, attack by attack; after the last attack it is the accuracy itself.
    const stages = p.stages ? getPerturbation(p.perturbation).stages : undefined;
    p.stages?.forEach((v, k) => stages && k < stages.length - 1 && add(stageMetric(stages[k]!), v));
  }
  for (const c of maskingChecks(r.eval ?? [], r.classCounts)) at(c.perturbation, c.severity)(c.check, c.value);
  if (r.robustRadius) at('clean', 0)(M.robustRadius.name, r.robustRadius.median);
  if (r.fourier) {
    const quarter = Math.floor(Math.min(r.fourier.height, r.fourier.width) / 4);
    at('clean', 0)(M.fourierLow.name, bandError(r.fourier, quarter, false));
    at('clean', 0)(M.fourierHigh.name, bandError(r.fourier, quarter, true));
  }
  if (r.inputGradients) {
    const clean = at('clean', 0);
    summaryRows(FAMILY.inputGradL2, r.inputGradients.l2, clean, INPUT_GRAD_STATS);
    summaryRows(FAMILY.inputGradL1, r.inputGradients.l1, clean, INPUT_GRAD_STATS);
  }
  return rows;
}

function trainRows(r: CellResult, train: AddRow): void {
  train(M.diverged.name, r.diverged ? 1 : 0);
  if (r.diverged) train(M.divergedStep.name, r.diverged.step);
  train(M.finalLoss.name, r.train.finalLoss);
  if (r.train.gradientEvaluations !== undefined) train(M.gradientEvaluations.name, r.train.gradientEvaluations);
  summaryRows(FAMILY.gradNorm, r.train.gradNorm, train, STATS);
  train(M.gradNormNonfinite.name, r.train.gradNorm.nonFinite);
  summaryRows(FAMILY.updateNorm, r.train.updateNorm, train, STATS);
  train(M.updateNormNonfinite.name, r.train.updateNorm.nonFinite);
  const ratios = firstLastRatios(r);
  if (ratios.length) {
    train(M.gradRatioMedian.name, median(ratios));
    if (r.steps[0]?.step === 1) train(M.gradRatioStep1.name, ratios[0]!);
  }
}
