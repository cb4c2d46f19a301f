// What the phases share: the network and the validation split of a suite, cached per
// worker process, and the optimizer options an arm trains with.
import type { Dataset, Split } from '../../../core/data/dataset.ts';
import { Network } from '../../../core/model/network.ts';
import type { ModelSpec } from '../../../core/model/families/registry.ts';
import { holdOut, type HoldOut } from '../../tune/validation.ts';
import type { Suite } from '../suite.ts';
import type { CellContext } from '../phase.ts';
import { findArm, type Arm, type ArmKey } from '../grid.ts';
import { batchTransform } from '../../train/regimes.ts';
import { train, type TrainOptions, type TrainResult, type TrainState } from '../../train/train.ts';
import { TUNE_DEFAULTS } from '../../tune/options.ts';
import { applyHyperparameters, type Hyperparameters } from '../../../core/optim/space.ts';
import type { Schedule } from '../../../core/optim/schedule.ts';

export function limitSplit(split: Split, limit: number | undefined): Split {
  if (limit === undefined || limit >= split.count) return split;
  const d = split.images.length / split.count;
  return { images: split.images.subarray(0, limit * d), labels: split.labels.subarray(0, limit), count: limit };
}

const networks = new Map<string, Network>();

/** The network of a model, compiled once per process (sessions are reused across cells). */
export function networkFor(spec: ModelSpec, dataset: Dataset, threads = 1): Network {
  const key = JSON.stringify([spec, dataset.shape, dataset.numClasses, threads]);
  let net = networks.get(key);
  if (!net) {
    net = new Network(spec, dataset.shape, dataset.numClasses, { threads });
    networks.set(key, net);
  }
  return net;
}

const holdOuts = new WeakMap<Dataset, Map<string, HoldOut>>();

/** The suite's validation split (cached per dataset and size): the same for every arm and seed. */
export function validationSplit(suite: Suite, dataset: Dataset): HoldOut {
  const full = limitSplit(dataset.train, suite.trainLimit);
  const size = Math.round(full.count * (suite.tune?.validationFraction ?? TUNE_DEFAULTS.validationFraction));
  let byKey = holdOuts.get(dataset);
  if (!byKey) holdOuts.set(dataset, (byKey = new Map()));
  const key = `${full.count}/${size}`;
  let h = byKey.get(key);
  if (!h) byKey.set(key, (h = holdOut(full, size)));
  return h;
}

export interface ArmSetup {
  readonly arm: Arm;
  readonly net: Network;
  /** The optimizer options, the tuned hyperparameters in place when given. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The schedule, the tuned warmup and shape in place when given. */
  readonly schedule: Schedule | undefined;
  /** How this arm trains for a seed (every phase trains the same way): optimizer, schedule, regime. */
  training(seed: number): TrainOptions;
}

/**
 * An arm as a phase trains it; `tuned` replaces what tuning chose (a tuned cell trains on the
 * validation split's rest, so a warmup fraction counts that run's steps).
 */
export function armSetup(ctx: CellContext, key: ArmKey, tuned?: Hyperparameters): ArmSetup {
  const arm = findArm(ctx.suite, key);
  const net = networkFor(arm.modelSpec, ctx.dataset, ctx.threads);
  const { suite, dataset } = ctx;
  const total = tuned ? suite.epochs * Math.ceil(validationSplit(suite, dataset).train.count / suite.batchSize) : 0;
  const { options, schedule } = tuned
    ? applyHyperparameters(arm.entry.options, arm.entry.schedule, tuned, total)
    : { options: arm.entry.options, schedule: arm.entry.schedule };
  return {
    arm,
    net,
    options,
    schedule,
    training: (seed) => ({
      seed,
      epochs: suite.epochs,
      batchSize: suite.batchSize,
      optimizer: arm.entry.name,
      optimizerOptions: options,
      schedule,
      transform: batchTransform(arm.training, net, dataset.shape, seed),
      sam: arm.entry.sam,
    }),
  };
}

/** What a cell's checkpoint holds: training's state (or its finished result) and the phase's own. */
interface CellState<E> {
  readonly train?: TrainState;
  readonly result?: TrainResult;
  readonly extra?: E;
}

/**
 * Trains for a cell through its checkpoints (CellContext.checkpoints): continues from the
 * last one, leaves new ones as it goes, and keeps the finished training for the stop that
 * may come while the cell evaluates. `extra` is the phase's own state beside training's (the
 * main phase's validation accuracies), read when a checkpoint is saved and given back when
 * one is loaded. Without checkpoints it is `train` itself.
 */
export async function trainCell<E>(
  ctx: CellContext,
  net: Network,
  split: Split,
  options: TrainOptions,
  extra?: { get(): E; set(value: E): void },
): Promise<TrainResult> {
  const c = ctx.checkpoints;
  if (!c) return train(net, split, options);
  const saved = c.load() as CellState<E> | undefined;
  if (saved?.extra !== undefined) extra?.set(saved.extra);
  if (saved?.result) return saved.result;
  const total = Math.min(options.stopAtStep ?? Number.POSITIVE_INFINITY, options.epochs * Math.ceil(split.count / options.batchSize));
  c.training = true;
  let result: TrainResult;
  try {
    result = await train(net, split, {
      ...options,
      snapshots: {
        ...(saved?.train ? { from: saved.train } : {}),
        due: c.due,
        stopping: c.stopping,
        save: (state) => c.save({ train: state, extra: extra?.get() } satisfies CellState<E>, { step: state.step, total, trained: false }),
      },
    });
  } finally {
    c.training = false;
  }
  // Nothing trained (a pretrained model evaluated as it is): nothing worth keeping.
  if (result.steps.length > 0) c.hold({ result, extra: extra?.get() } satisfies CellState<E>, { step: result.steps.length, total, trained: true });
  return result;
}
