// One cell of the grid: (suite, optimizer, seed) -> train -> evaluate -> a plain,
// JSON-serialisable record. A diverged run yields a record without robustness metrics.
import type { Dataset, Split } from '../data/dataset.ts';
import { Network } from '../model/network.ts';
import { train, type Divergence, type StepRecord } from '../train/train.ts';
import { evaluateSweeps, type SweepPoint } from '../metrics/robustness.ts';
import { gradientOracle, memoizeFor } from '../metrics/gradient-oracle.ts';
import { inputGradientNorms, type InputGradientNorms } from '../metrics/input-gradients.ts';
import { summarize, type Summary } from '../metrics/summary.ts';
import type { ResolvedOptimizer, Suite } from './suite.ts';
import type { HoldOut } from '../tune/validation.ts';
import { evaluate } from '../metrics/evaluate.ts';

export interface CellKey {
  /** The optimizer entry's label. */
  readonly optimizer: string;
  readonly seed: number;
}

export interface CellResult extends CellKey {
  readonly optimizerName: string;
  readonly lr: number;
  readonly diverged: Divergence | null;
  readonly train: {
    readonly steps: number;
    readonly finalLoss: number;
    readonly gradNorm: Summary;
    readonly updateNorm: Summary;
  };
  /** Absent (null) when the run diverged. */
  readonly eval: readonly SweepPoint[] | null;
  readonly inputGradients: InputGradientNorms | null;
  /** Training curve, every `stepLogEvery`-th step (and the last). */
  readonly steps: readonly StepRecord[];
  /** With tuning: validation accuracy and loss after each epoch (the matched-accuracy view picks from these). */
  readonly validation?: readonly EpochScore[];
}

export interface EpochScore {
  readonly epoch: number;
  readonly accuracy: number;
  readonly loss: number;
}

/** How a cell trains when the suite tunes: the tuned learning rate, on the training set minus the validation split. */
export interface CellPlan {
  readonly lr: number;
  readonly holdOut: HoldOut;
}

export interface CellContext {
  readonly suite: Suite;
  readonly dataset: Dataset;
  /** onnxruntime intra-op threads. */
  readonly threads?: number;
}

/** How progress lines and messages name a grid cell. */
export const cellId = (k: CellKey): string => `${k.optimizer}/seed ${k.seed}`;

export function limitSplit(split: Split, limit: number | undefined): Split {
  if (limit === undefined || limit >= split.count) return split;
  const d = split.images.length / split.count;
  return { images: split.images.subarray(0, limit * d), labels: split.labels.subarray(0, limit), count: limit };
}

const networks = new Map<string, Network>();

/** The suite's network, compiled once per process and model (sessions are reused across cells). */
export function suiteNetwork(suite: Suite, dataset: Dataset, threads = 1): Network {
  const key = JSON.stringify([suite.model, dataset.shape, dataset.numClasses, threads]);
  let net = networks.get(key);
  if (!net) {
    net = new Network(suite.model, dataset.shape, dataset.numClasses, { threads });
    networks.set(key, net);
  }
  return net;
}

export function optimizerEntry(suite: Suite, label: string): ResolvedOptimizer {
  const entry = suite.optimizers.find((o) => o.label === label);
  if (!entry) throw new Error(`suite "${suite.name}" has no optimizer labelled "${label}"`);
  return entry;
}

export async function runCell(ctx: CellContext, key: CellKey, plan?: CellPlan): Promise<CellResult> {
  const { suite, dataset } = ctx;
  const entry = optimizerEntry(suite, key.optimizer);
  const trainSplit = plan?.holdOut.train ?? limitSplit(dataset.train, suite.trainLimit);
  const testSplit = limitSplit(dataset.test, suite.testLimit);
  const net = suiteNetwork(suite, dataset, ctx.threads);
  const validation: EpochScore[] = [];
  const result = await train(net, trainSplit, {
    seed: key.seed,
    epochs: suite.epochs,
    batchSize: suite.batchSize,
    optimizer: entry.name,
    optimizerOptions: plan ? { ...entry.options, lr: plan.lr } : entry.options,
    schedule: entry.schedule,
    onEpoch: plan
      ? async (epoch, params) => {
          const s = await evaluate(net, params, plan.holdOut.validation);
          validation.push({ epoch, accuracy: s.accuracy, loss: s.loss });
        }
      : undefined,
  });
  const every = suite.stepLogEvery;
  const steps = result.steps.filter((s, i) => s.step % every === 0 || i === result.steps.length - 1);
  const trainStats = {
    steps: result.steps.length,
    finalLoss: result.finalTrainLoss,
    gradNorm: summarize(result.steps.map((s) => s.gradNorm)),
    updateNorm: summarize(result.steps.map((s) => s.updateNorm)),
  };
  const base = { ...key, optimizerName: entry.name, lr: plan?.lr ?? (entry.options.lr as number), diverged: result.diverged, train: trainStats, steps, ...(plan ? { validation } : {}) };
  if (result.diverged) return { ...base, eval: null, inputGradients: null };
  const oracle = memoizeFor(gradientOracle(net, result.weights), testSplit.images);
  const evalPoints = await evaluateSweeps(net, result.weights, testSplit, dataset.shape, suite.perturbations, key.seed, oracle);
  const inputGradients = await inputGradientNorms(oracle, testSplit.images, testSplit.labels, testSplit.count);
  return { ...base, eval: evalPoints, inputGradients };
}
