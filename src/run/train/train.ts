// The training loop: seeded batches -> train-step session -> optimizer -> params,
// recording loss, gradient norms and update norm at every step. A non-finite loss
// or gradient stops the run and marks it diverged; it never throws.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { BatchLoader, randomBatch } from '../../core/data/batches.ts';
import { clipGradNorm } from '../../core/optim/clip.ts';
import { createOptimizer } from '../../core/optim/registry.ts';
import type { OptimizerState } from '../../core/optim/optimizer.ts';
import { StateNotCapturable } from '../../core/optim/state.ts';
import { constant, scheduledLr, type Schedule } from '../../core/optim/schedule.ts';
import { createRng } from '../../core/util/rng.ts';
import { StepNoise } from './noise.ts';
import type { BatchTransform } from './regimes.ts';
import { samStep, type SamOptions } from '../../core/optim/sam.ts';

export interface TrainOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: string;
  readonly optimizerOptions?: Readonly<Record<string, unknown>>;
  readonly schedule?: Schedule;
  /** Initial weights, parameters then buffers (default: the network's seeded init); copied, never mutated. */
  readonly initial?: readonly Float32Array[];
  /** Called after every completed epoch (1-based) with the current weights. */
  readonly onEpoch?: (epoch: number, weights: readonly Float32Array[]) => Promise<void> | void;
  /** Every this many steps (and after the last), `onCheckpoint` is called with the weights then. */
  readonly checkpointEvery?: number;
  readonly onCheckpoint?: (step: number, epoch: number, weights: readonly Float32Array[]) => Promise<void> | void;
  /** Stop after this many steps (a checkpoint of the full run: the schedule still spans every epoch). */
  readonly stopAtStep?: number;
  /** The training regime's batch transform (noise augmentation, an adversarial attack); none: the batch as it is. */
  readonly transform?: BatchTransform;
  /** Sharpness-aware minimisation around the optimizer: a second gradient per step, at the perturbed weights. */
  readonly sam?: SamOptions;
  /** Snapshots of the whole training state between steps (mid-cell checkpoints), and the one to continue from. */
  readonly snapshots?: Snapshots;
}

/**
 * Everything a later process needs to continue training exactly where it stood after a step:
 * the weights where gradients are taken, the optimizer's state, the positions of the seeded
 * streams that carry over between steps (dropout masks; the batch order is re-drawn from the
 * seed, and every other stream is drawn per step), and what the result accumulates.
 */
export interface TrainState {
  /** Steps taken. */
  readonly step: number;
  /** The epoch of the last step (1-based). */
  readonly epoch: number;
  /** The running sums of the epoch's loss (over `seen` examples). */
  readonly lossSum: number;
  readonly seen: number;
  readonly finalTrainLoss: number;
  readonly gradientEvaluations: number;
  readonly steps: readonly StepRecord[];
  /** Parameters, then buffers. */
  readonly weights: readonly Float32Array[];
  readonly optimizer: OptimizerState;
  readonly noise: readonly (readonly [number, number, number, number])[];
}

export interface Snapshots {
  /** A snapshot to continue from. */
  readonly from?: TrainState;
  /** Asked after every step but the last: whether to take a snapshot now. */
  due(): boolean;
  save(state: TrainState): Promise<void> | void;
  /** Asked after every step but the last: whether to stop (a snapshot is taken first, then `train` throws TrainingStopped). */
  stopping(): boolean;
}

/** Training stopped at a snapshot because the run is being interrupted. */
export class TrainingStopped extends Error {
  constructor(readonly step: number) {
    super(`training stopped at step ${step} (checkpointed)`);
    this.name = 'TrainingStopped';
  }
}

export interface StepRecord {
  readonly epoch: number;
  /** 1-based global step. */
  readonly step: number;
  readonly lr: number;
  readonly loss: number;
  /** Global L2 norm of the gradient. */
  readonly gradNorm: number;
  /** L2 norm of each parameter tensor's gradient, in parameter order. */
  readonly tensorGradNorms: readonly number[];
  /** L2 norm of the parameter update applied at this step (NaN when not applied). */
  readonly updateNorm: number;
  /** L2 norm of each parameter tensor's update (empty when not applied). */
  readonly tensorUpdateNorms: readonly number[];
  /** L2 norm of each parameter tensor as the step found it. */
  readonly tensorParamNorms: readonly number[];
}

export interface Divergence {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
}

export interface TrainResult {
  /**
   * The final weights: parameters, then buffers (as Network.initWeights orders them); for a
   * schedule-free optimizer its evaluation point x, the average the method evaluates.
   */
  readonly weights: Float32Array[];
  readonly steps: StepRecord[];
  readonly diverged: Divergence | null;
  /** Mean training loss over the last completed epoch. */
  readonly finalTrainLoss: number;
  /** Gradient evaluations: one per step, two with SAM, one more per curvature estimate (Sophia). */
  readonly gradientEvaluations: number;
}

export async function train(net: Network, data: Split, o: TrainOptions): Promise<TrainResult> {
  const optimizer = createOptimizer(o.optimizer, o.optimizerOptions ?? {});
  const from = o.snapshots?.from;
  const initial = from?.weights ?? o.initial ?? net.initWeights(o.seed);
  const p = net.params.length;
  if (initial.length !== p + net.buffers.length) throw new Error(`train: ${initial.length} weight tensors for a network of ${p + net.buffers.length}`);
  // The optimizer's own copy (in its WebAssembly arena for SGD/Adam), so that steps update
  // the parameters where they live; the caller's initial weights are never written.
  const params = optimizer.adopt(
    initial.slice(0, p),
    net.params.map((s) => s.shape),
    net.roles,
  );
  if (from) optimizer.loadState(from.optimizer);
  let buffers: Float32Array[] = initial.slice(p).map((b) => Float32Array.from(b));
  // Gradients are taken at `weights()`; what the run hands on (checkpoints, epochs, the
  // result) is the optimizer's evaluation point, the same weights except for schedule-free,
  // whose batch-norm statistics are then recomputed there.
  const weights = () => [...params, ...buffers];
  const evaluated = async () => {
    const point = optimizer.evaluationParams(params);
    return point === params || buffers.length === 0 ? [...point, ...buffers] : [...point, ...(await statisticsAt(net, point, buffers, data, o))];
  };
  const baseLr = optimizer.lr;
  const loop = optimizer.loop;
  const loader = new BatchLoader(data, o.batchSize, createRng(o.seed, 'shuffle'));
  const noise = new StepNoise(net, o.seed, o.batchSize);
  const total = o.epochs * loader.batchesPerEpoch;
  const steps: StepRecord[] = from ? [...from.steps] : [];
  let finalTrainLoss = from?.finalTrainLoss ?? Number.NaN;
  let t = from?.step ?? 0;
  let gradientEvaluations = from?.gradientEvaluations ?? 0;
  const startEpoch = from?.epoch ?? 1;
  if (from) noise.positions = from.noise;
  let capturable = true;
  for (let e = 1; e < startEpoch; e++) loader.skipEpoch();
  for (let epoch = startEpoch; epoch <= o.epochs; epoch++) {
    const resumed = from !== undefined && epoch === startEpoch;
    let lossSum = resumed ? from.lossSum : 0;
    let seen = resumed ? from.seen : 0;
    for (const batch of loader.epoch(resumed ? from.step - (startEpoch - 1) * loader.batchesPerEpoch : 0)) {
      const x = o.transform ? await o.transform(batch.x, labelsOf(batch.y, batch.n), batch.n, weights(), t + 1) : batch.x;
      const masks = noise.next(batch.n);
      const step = await net.trainStep(weights(), x, batch.y, batch.n, masks);
      gradientEvaluations++;
      const tensorGradNorms = step.gradSq.map(Math.sqrt);
      const tensorParamNorms = step.paramSq.map(Math.sqrt);
      const gradNorm = Math.sqrt(step.gradSq.reduce((a, b) => a + b, 0));
      optimizer.lr = scheduledLr(o.schedule ?? constant, baseLr, t, total);
      t++;
      const { loss } = step;
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        steps.push({ epoch, step: t, lr: optimizer.lr, loss, gradNorm, tensorGradNorms, updateNorm: Number.NaN, tensorUpdateNorms: [], tensorParamNorms });
        return { weights: weights(), steps, diverged: { step: t, epoch, loss }, finalTrainLoss, gradientEvaluations };
      }
      // The authors' loop clips the step's gradient (the recorded norms are before clipping, as clip_grad_norm_ returns them).
      if (loop.clip > 0) clipGradNorm(step.grads, loop.clip);
      // SAM's second pass sees the same batch and dropout masks; batch-norm statistics come
      // from the first pass only (davda54/sam's advice), so they advance once per step.
      const updateNorm = o.sam
        ? await samStep(
            optimizer,
            params,
            step.grads,
            async () => (gradientEvaluations++, (await net.trainStep(weights(), x, batch.y, batch.n, masks)).grads),
            o.sam,
          )
        : await optimizer.stepAsync(params, step.grads);
      buffers = step.buffers;
      if (optimizer.curvatureDue) {
        // Sophia-G's estimate: the gradient on labels sampled from the model's own predictions
        // at the new weights, the predictions those of the same training-mode forward pass (the
        // authors' loop samples from the logits it then differentiates); batch-norm statistics
        // stay as the step left them. The authors' loop takes it on a fresh batch (drawn from
        // the seed's stream for this step, the training set as it is, with dropout masks of its
        // own) and clips it like the step's gradient; else on the step's batch and masks.
        const fresh = loop.freshCurvatureBatch ? randomBatch(data, o.batchSize, createRng(o.seed, `sophia-batch:${t}`)) : undefined;
        const cx = fresh?.x ?? x;
        const cn = fresh?.n ?? batch.n;
        const cmasks = fresh ? new StepNoise(net, o.seed, o.batchSize, `sophia-dropout:${t}`).next(cn) : masks;
        const logits = await net.trainLogits(weights(), cx, cn, cmasks);
        const sampled = sampleLabels(logits, cn, net.numClasses, createRng(o.seed, `sophia:${t}`));
        const curvature = (await net.trainStep(weights(), cx, sampled, cn, cmasks)).grads;
        if (loop.clip > 0) clipGradNorm(curvature, loop.clip);
        optimizer.absorbCurvature(curvature, o.batchSize);
        gradientEvaluations++;
      }
      steps.push({
        epoch,
        step: t,
        lr: optimizer.lr,
        loss,
        gradNorm,
        tensorGradNorms,
        updateNorm,
        tensorUpdateNorms: optimizer.tensorUpdateSq.map(Math.sqrt),
        tensorParamNorms,
      });
      lossSum += loss * batch.n;
      seen += batch.n;
      const last = t === total || t === o.stopAtStep;
      if (o.onCheckpoint && o.checkpointEvery && (t % o.checkpointEvery === 0 || last)) await o.onCheckpoint(t, epoch, await evaluated());
      const snap = o.snapshots;
      if (snap && !last) {
        const stopping = snap.stopping();
        let optimizerState: OptimizerState | undefined;
        if (capturable && (stopping || snap.due()))
          try {
            optimizerState = optimizer.saveState();
          } catch (e) {
            // A suite's own optimizer whose state is not data: this cell trains on without checkpoints.
            if (!(e instanceof StateNotCapturable)) throw e;
            capturable = false;
          }
        if (optimizerState) {
          const state: TrainState = {
            step: t,
            epoch,
            lossSum,
            seen,
            finalTrainLoss,
            gradientEvaluations,
            steps,
            weights: weights(),
            optimizer: optimizerState,
            noise: noise.positions,
          };
          await snap.save(state);
        }
        if (stopping) throw new TrainingStopped(t);
      }
      if (t === o.stopAtStep) return { weights: await evaluated(), steps, diverged: null, finalTrainLoss: lossSum / seen, gradientEvaluations };
    }
    finalTrainLoss = lossSum / seen;
    if (o.onEpoch) await o.onEpoch(epoch, await evaluated());
  }
  return { weights: await evaluated(), steps, diverged: null, finalTrainLoss, gradientEvaluations };
}

/** Training-mode passes that re-estimate batch-norm statistics at an evaluation point (statisticsAt). */
export const STATISTICS_BATCHES = 50;

/**
 * Batch-norm running statistics for weights the steps were not taken at (schedule-free's x:
 * training updated them at y), as the schedule-free authors prescribe: from the statistics
 * training left, training-mode forward passes at x over STATISTICS_BATCHES batches (at most
 * an epoch), each updating them with the layer's momentum. The batches and dropout masks
 * come from the seed's own streams, the same at every evaluation of every optimizer; the
 * gradients those passes also compute are discarded.
 */
async function statisticsAt(net: Network, point: readonly Float32Array[], buffers: Float32Array[], data: Split, o: TrainOptions): Promise<Float32Array[]> {
  const loader = new BatchLoader(data, o.batchSize, createRng(o.seed, 'statistics'));
  const noise = new StepNoise(net, o.seed, o.batchSize, 'statistics');
  let current = buffers;
  let passes = 0;
  for (const batch of loader.epoch()) {
    if (passes++ === STATISTICS_BATCHES) break;
    current = (await net.trainStep([...point, ...current], batch.x, batch.y, batch.n, noise.next(batch.n))).buffers;
  }
  return current;
}

/** One label per example drawn from softmax(logits) (inverse CDF, float64). */
function sampleLabels(logits: Float32Array, n: number, classes: number, rng: () => number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const max = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - max));
    let u = rng() * e.reduce((a, b) => a + b, 0);
    let c = 0;
    while (c < classes - 1 && u >= e[c]!) u -= e[c++]!;
    out[i] = BigInt(c);
  }
  return out;
}

/** A batch's labels as the perturbations take them. */
function labelsOf(y: BigInt64Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(y[i]!);
  return out;
}
