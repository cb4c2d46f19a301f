// A model compiled to onnxruntime sessions. Sessions are created once, lazily,
// per graph kind, and reused for every batch, step and optimizer.
import ort from 'onnxruntime-node';
import type { Layer, ParamSpec, Shape } from './layer.ts';
import { size } from './layer.ts';
import { buildLayers, type ModelSpec } from './architectures.ts';
import { buildGraph, gradName, gradSqName, type GraphKind } from './graphs.ts';
import { initParams } from './init.ts';
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
}

export interface InputGradResult {
  readonly loss: number;
  readonly logits: Float32Array;
  /** dLoss/dx of the batch-mean loss, shaped like x. */
  readonly dx: Float32Array;
}

export class Network {
  readonly params: readonly ParamSpec[];
  /** Forward multiply-accumulates per example. */
  readonly macsPerExample: number;
  private readonly sessions = new Map<GraphKind, Promise<ort.InferenceSession>>();

  constructor(
    readonly spec: ModelSpec,
    readonly inShape: Shape,
    readonly numClasses: number,
    readonly options: NetworkOptions = {},
    readonly layers: readonly Layer[] = buildLayers(spec, inShape, numClasses),
  ) {
    this.params = layers.flatMap((l) => l.params);
    this.macsPerExample = layers.reduce((a, l) => a + l.macs, 0);
  }

  get paramCount(): number {
    return this.params.reduce((a, p) => a + size(p.shape), 0);
  }

  /** The initial weights of (model, seed): independent of the optimizer by construction. */
  initParams(seed: number): Float32Array[] {
    return initParams(this.params, createRng(seed, 'init'));
  }

  graph(kind: GraphKind, target: GraphTarget = PORTABLE): Uint8Array {
    return buildGraph(this.layers, kind, this.numClasses, target);
  }

  session(kind: GraphKind): Promise<ort.InferenceSession> {
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

  private feeds(params: readonly Float32Array[], x: Float32Array, n: number, y?: BigInt64Array): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    this.params.forEach((p, i) => (feeds[p.name] = new ort.Tensor('float32', params[i]!, p.shape as number[])));
    feeds.x = new ort.Tensor('float32', x.length === n * size(this.inShape) ? x : x.subarray(0, n * size(this.inShape)), [n, ...this.inShape]);
    if (y) feeds.y = new ort.Tensor('int64', y.length === n ? y : y.subarray(0, n), [n]);
    return feeds;
  }

  /** Forward + backward on the first `n` examples of x/y. */
  async trainStep(params: readonly Float32Array[], x: Float32Array, y: BigInt64Array, n: number): Promise<TrainStepResult> {
    const out = await (await this.session('train')).run(this.feeds(params, x, n, y));
    return {
      loss: (out.loss!.data as Float32Array)[0]!,
      logits: out.logits!.data as Float32Array,
      grads: this.params.map((p) => out[gradName(p.name)]!.data as Float32Array),
      gradSq: this.params.map((p) => (out[gradSqName(p.name)]!.data as Float32Array)[0]!),
    };
  }

  async inputGrad(params: readonly Float32Array[], x: Float32Array, y: BigInt64Array, n: number): Promise<InputGradResult> {
    const out = await (await this.session('inputGrad')).run(this.feeds(params, x, n, y));
    return { loss: (out.loss!.data as Float32Array)[0]!, logits: out.logits!.data as Float32Array, dx: out.dx!.data as Float32Array };
  }

  async predict(params: readonly Float32Array[], x: Float32Array, n: number): Promise<Float32Array> {
    const out = await (await this.session('predict')).run(this.feeds(params, x, n));
    return out.logits!.data as Float32Array;
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
