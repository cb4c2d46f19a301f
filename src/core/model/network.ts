// A model compiled to onnxruntime sessions. Sessions are created once, lazily, per graph
// kind, and reused for every batch, step and optimizer.
//
// A model's *weights* are its parameters followed by its buffers (BatchNorm's running
// statistics), in `params` then `buffers` order: optimizers step the parameters only, the
// train graph returns the buffers' new values, evaluation reads both.
import ort from 'onnxruntime-node';
import type { BufferSpec, Layer, NoiseSpec, ParamSpec, Shape, TensorRole } from './layer.ts';
import { size } from './layer.ts';
import { buildModel, type ModelSpec } from './families/registry.ts';
import { modelLayers, type ModelGraph } from './model.ts';
import { bufferOutName, buildGraph, directionName, gradName, gradSqName, hvpName, paramSqName, type GraphKind } from './graphs.ts';
import { initTensors } from './init.ts';
import { LOGIT_LOSSES, type LogitLossName } from './logit-loss.ts';
import { BOUND_METHODS, type BoundMethod, type BoundName, isBoundName } from './bounds.ts';

/** A compiled graph: one of buildGraph's kinds, or a certified-bound method of bounds.ts. */
export type SessionKind = GraphKind | BoundName;
import { createRng } from '../util/rng.ts';
import { PORTABLE, type GraphTarget } from '../onnx/graph.ts';
import { nativeTarget } from '../onnx/nchwc.ts';

export interface NetworkOptions {
  /** onnxruntime intra-op threads per session (default 1: the harness parallelises over cells). */
  readonly threads?: number;
  /**
   * Engine features the graphs may use. Default: what this machine's onnxruntime has
   * (NCHWc convolutions on x86 with AVX2/AVX-512); `PORTABLE` keeps to standard operators.
   */
  readonly target?: GraphTarget;
}

export interface TrainStepResult {
  readonly loss: number;
  readonly logits: Float32Array;
  /** One gradient per parameter tensor, in `params` order. */
  readonly grads: Float32Array[];
  /** Σ g² per parameter tensor, in `params` order. */
  readonly gradSq: number[];
  /** Σ p² per parameter tensor as the step found it, in `params` order. */
  readonly paramSq: number[];
  /** Each buffer's value after the step, in `buffers` order. */
  readonly buffers: Float32Array[];
}

export interface InputGradResult {
  readonly loss: number;
  readonly logits: Float32Array;
  /** dLoss/dx of the batch-mean loss, shaped like x. */
  readonly dx: Float32Array;
}

export class Network {
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly BufferSpec[];
  /** Random inputs of the train graph (dropout masks), filled per step by the training loop. */
  readonly noise: readonly NoiseSpec[];
  readonly layers: readonly Layer[];
  /** Each parameter's role: 'head' for the classifier's output layer (the last with parameters), else 'hidden'. */
  readonly roles: readonly TensorRole[];
  /** Forward multiply-accumulates per example. */
  readonly macsPerExample: number;
  private readonly sessions = new Map<SessionKind, Promise<ort.InferenceSession>>();

  constructor(
    readonly spec: ModelSpec,
    readonly inShape: Shape,
    readonly numClasses: number,
    readonly options: NetworkOptions = {},
    readonly model: ModelGraph = buildModel(spec, inShape, numClasses),
  ) {
    this.layers = modelLayers(model);
    this.params = this.layers.flatMap((l) => l.params);
    this.buffers = this.layers.flatMap((l) => l.buffers);
    this.noise = this.layers.flatMap((l) => l.noise);
    const head = [...this.layers].reverse().find((l) => l.params.length > 0);
    this.roles = this.layers.flatMap((l) => l.params.map((): TensorRole => (l === head ? 'head' : 'hidden')));
    this.macsPerExample = this.layers.reduce((a, l) => a + l.macs, 0);
  }

  get paramCount(): number {
    return this.params.reduce((a, p) => a + size(p.shape), 0);
  }

  /**
   * The initial weights (parameters, then buffers) of (model, seed): independent of the
   * optimizer by construction; an imported model's own when it brings them.
   */
  initWeights(seed: number): Float32Array[] {
    if (this.model.initial) return this.model.initial.map((w) => Float32Array.from(w));
    return initTensors([...this.params, ...this.buffers], createRng(seed, 'init'));
  }

  graph(kind: SessionKind, target: GraphTarget = PORTABLE): Uint8Array {
    return isBoundName(kind) ? BOUND_METHODS[kind].build(this.model, this.numClasses) : buildGraph(this.model, kind, this.numClasses, target);
  }

  session(kind: SessionKind): Promise<ort.InferenceSession> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = (async () =>
        ort.InferenceSession.create(this.graph(kind, this.options.target ?? (await nativeTarget())), {
          intraOpNumThreads: this.options.threads ?? 1,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        }))();
      this.sessions.set(kind, s);
    }
    return s;
  }

  private feeds(weights: readonly Float32Array[], x: Float32Array, n: number, y?: BigInt64Array, noise?: readonly Float32Array[]): Record<string, ort.Tensor> {
    if (weights.length !== this.params.length + this.buffers.length) {
      throw new Error(`network: ${weights.length} weight tensors given; the model has ${this.params.length} parameters and ${this.buffers.length} buffers`);
    }
    const feeds: Record<string, ort.Tensor> = {};
    [...this.params, ...this.buffers].forEach((p, i) => (feeds[p.name] = new ort.Tensor('float32', weights[i]!, p.shape as number[])));
    const d = size(this.inShape);
    feeds.x = new ort.Tensor('float32', x.length === n * d ? x : x.subarray(0, n * d), [n, ...this.inShape]);
    if (y) feeds.y = new ort.Tensor('int64', y.length === n ? y : y.subarray(0, n), [n]);
    if (noise)
      this.noise.forEach((z, i) => {
        const m = noise[i];
        if (!m) throw new Error(`network: the train step needs the noise input "${z.name}"`);
        const k = n * size(z.shape);
        feeds[z.name] = new ort.Tensor('float32', m.length === k ? m : m.subarray(0, k), [n, ...z.shape]);
      });
    return feeds;
  }

  /** Forward (training mode) + backward on the first `n` examples of x/y. */
  async trainStep(
    weights: readonly Float32Array[],
    x: Float32Array,
    y: BigInt64Array,
    n: number,
    noise: readonly Float32Array[] = [],
  ): Promise<TrainStepResult> {
    const out = await (await this.session('train')).run(this.feeds(weights, x, n, y, noise));
    const scalar = (name: string) => (out[name]!.data as Float32Array)[0]!;
    return {
      loss: scalar('loss'),
      logits: out.logits!.data as Float32Array,
      grads: this.params.map((p) => out[gradName(p.name)]!.data as Float32Array),
      gradSq: this.params.map((p) => scalar(gradSqName(p.name))),
      paramSq: this.params.map((p) => scalar(paramSqName(p.name))),
      buffers: this.buffers.map((b) => out[bufferOutName(b.name)]!.data as Float32Array),
    };
  }

  /**
   * The exact Hessian-vector product H·v of the training-mode loss on the first `n` examples
   * (forward mode over the gradient graph): one tensor per parameter, as `v` is given.
   */
  async hvp(
    weights: readonly Float32Array[],
    v: readonly Float32Array[],
    x: Float32Array,
    y: BigInt64Array,
    n: number,
    noise: readonly Float32Array[] = [],
  ): Promise<Float32Array[]> {
    if (v.length !== this.params.length) throw new Error(`network: ${v.length} direction tensors given; the model has ${this.params.length} parameters`);
    const feeds = this.feeds(weights, x, n, y, noise);
    this.params.forEach((p, i) => (feeds[directionName(p.name)] = new ort.Tensor('float32', v[i]!, p.shape as number[])));
    const out = await (await this.session('hvp')).run(feeds);
    return this.params.map((p) => out[hvpName(p.name)]!.data as Float32Array);
  }

  /** dLoss/dx in evaluation mode (attacks, input-gradient norms). */
  async inputGrad(weights: readonly Float32Array[], x: Float32Array, y: BigInt64Array, n: number): Promise<InputGradResult> {
    const out = await (await this.session('inputGrad')).run(this.feeds(weights, x, n, y));
    return { loss: (out.loss!.data as Float32Array)[0]!, logits: out.logits!.data as Float32Array, dx: out.dx!.data as Float32Array };
  }

  /**
   * Each example's own d(loss)/dx for an attack's logit loss (src/core/model/logit-loss.ts), in
   * evaluation mode, with the logits; `target` for the targeted losses.
   */
  async logitLossGrad(
    weights: readonly Float32Array[],
    loss: LogitLossName,
    x: Float32Array,
    y: BigInt64Array,
    n: number,
    target?: BigInt64Array,
  ): Promise<{ readonly logits: Float32Array; readonly dx: Float32Array }> {
    const feeds = this.feeds(weights, x, n, y);
    if (LOGIT_LOSSES[loss].targeted) {
      if (!target) throw new Error(`network: the ${loss} loss needs a target class per example`);
      feeds.target = new ort.Tensor('int64', target.length === n ? target : target.subarray(0, n), [n]);
    }
    const out = await (await this.session(`inputGrad:${loss}`)).run(feeds);
    return { logits: out.logits!.data as Float32Array, dx: out.dx!.data as Float32Array };
  }

  /** Lower bounds on z_y - z_j over the eps-ball around x within [0, 1], by `method` ([n, classes]). */
  async marginBounds(method: BoundName, weights: readonly Float32Array[], x: Float32Array, y: BigInt64Array, n: number, eps: number): Promise<Float32Array> {
    const feeds = this.feeds(weights, x, n, y);
    feeds.eps = new ort.Tensor('float32', Float32Array.of(eps), []);
    return (await (await this.session(method)).run(feeds)).margin!.data as Float32Array;
  }

  /** The most examples one run of `method`'s graph takes (its coefficient tensors grow with the batch). */
  boundBatch(method: BoundName): number {
    const m: BoundMethod = BOUND_METHODS[method];
    return m.batch ? m.batch(this.model, this.numClasses) : Number.POSITIVE_INFINITY;
  }

  /** Logits in training mode (batch statistics, the given dropout masks), from the forward pass alone. */
  async trainLogits(weights: readonly Float32Array[], x: Float32Array, n: number, noise: readonly Float32Array[] = []): Promise<Float32Array> {
    const out = await (await this.session('trainLogits')).run(this.feeds(weights, x, n, undefined, noise));
    return out.logits!.data as Float32Array;
  }

  /** Logits in evaluation mode. */
  async predict(weights: readonly Float32Array[], x: Float32Array, n: number): Promise<Float32Array> {
    const out = await (await this.session('predict')).run(this.feeds(weights, x, n));
    return out.logits!.data as Float32Array;
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
