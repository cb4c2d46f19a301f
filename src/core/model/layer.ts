// The contract every layer keeps: it knows its shapes, parameters and buffers, emits its
// forward nodes, and emits the nodes of its vector-Jacobian product right beside them.
import type { GraphBuilder } from '../onnx/graph.ts';

/** Per-example shape, without the batch dimension: [features] or [channels, height, width]. */
export type Shape = readonly number[];

/** How a tensor starts: PyTorch's default for its layer type. */
export type Init =
  /** U(±1/sqrt(fanIn)): Linear and Conv2d weights and biases (kaiming_uniform with a = sqrt(5)). */
  | { readonly kind: 'uniform'; readonly fanIn: number }
  /** U(±sqrt(6/(fanIn + fanOut))): Keras' default for Dense kernels (glorot_uniform). */
  | { readonly kind: 'glorot'; readonly fanIn: number; readonly fanOut: number }
  /** A constant: BatchNorm's weight (1) and bias (0), running mean (0) and variance (1). */
  | { readonly kind: 'constant'; readonly value: number };

export interface ParamSpec {
  /** Unique within the model, e.g. "dense1.weight". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
}

/** A non-trainable tensor the model carries (BatchNorm's running statistics): saved with the weights, never stepped by an optimizer. */
export type BufferSpec = ParamSpec;

/**
 * What a parameter tensor is in the network: the classifier's output layer ('head') or any
 * other ('hidden'). Optimizers may treat them differently (Muon's authors prescribe their
 * method for hidden weights only).
 */
export type TensorRole = 'hidden' | 'head';

/**
 * Random input a layer needs at each training step (dropout's mask): a graph input of shape
 * [N, ...shape], filled by the training loop from a named seeded stream.
 */
export interface NoiseSpec {
  readonly name: string;
  readonly shape: Shape;
  /** Each element is 0 with this probability, else 1 / (1 - p). */
  readonly dropProbability: number;
}

/** Training mode (batch statistics, dropout) in the train graph; evaluation mode in the others. */
export type Mode = 'train' | 'eval';

export interface ForwardContext {
  readonly mode: Mode;
  /** The layer's buffers, in `buffers` order. */
  readonly buffers: readonly string[];
  /** The layer's noise inputs, in `noise` order (training mode only). */
  readonly noise: readonly string[];
  /** Values the backward rule will read (normalised inputs, indices...), by name. */
  readonly saved: Record<string, string>;
  /** In training mode: the new value of buffer `i` after this step. */
  updateBuffer(i: number, value: string): void;
}

/** Value names a layer's backward rule may read: its inputs, output, parameters and what forward saved. */
export interface LayerValues {
  readonly xs: readonly string[];
  readonly y: string;
  readonly params: readonly string[];
  readonly buffers: readonly string[];
  readonly noise: readonly string[];
  readonly saved: Readonly<Record<string, string>>;
  readonly mode: Mode;
}

export interface BackwardRequest {
  /** Per input: emit dLoss/dx (false where nothing upstream needs it, e.g. the image in a train step). */
  readonly dxs: readonly boolean[];
  /** Emit dLoss/dparams (false in the input-gradient graph). */
  readonly dparams: boolean;
}

export interface BackwardResult {
  /** Per input; undefined where not requested. */
  readonly dxs: readonly (string | undefined)[];
  /** One gradient per parameter, in `params` order; empty when not requested. */
  readonly dparams: readonly string[];
}

/** What a layer computes, enough to re-implement it (reference checks, reports, export). */
export type LayerKind =
  | { readonly op: 'dense'; readonly units: number; readonly bias: boolean }
  | { readonly op: 'conv2d'; readonly geometry: ConvGeometry; readonly bias: boolean }
  | { readonly op: 'activation'; readonly fn: ActivationName; readonly slope?: number }
  | { readonly op: 'flatten' }
  | { readonly op: 'reshape' }
  | { readonly op: 'batchNorm'; readonly eps: number; readonly momentum: number }
  | { readonly op: 'maxPool2d' | 'avgPool2d'; readonly pool: PoolGeometry; readonly countIncludePad: boolean }
  | { readonly op: 'globalAvgPool' }
  | { readonly op: 'dropout'; readonly p: number }
  | { readonly op: 'add' }
  | { readonly op: 'shortcutA'; readonly stride: number; readonly padChannels: number }
  | { readonly op: 'affine'; readonly scale: readonly number[]; readonly shift: readonly number[] }
  | { readonly op: 'slice'; readonly axes: readonly { readonly start: number; readonly end: number; readonly step: number }[] }
  | { readonly op: 'pad'; readonly before: readonly number[]; readonly after: readonly number[] };

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyRelu';

/** A 2-D window: per axis [h, w] kernel, stride, dilation; pads [top, left, bottom, right] as ONNX orders them. */
export interface ConvGeometry {
  readonly ci: number;
  readonly co: number;
  readonly h: number;
  readonly w: number;
  readonly ho: number;
  readonly wo: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
}

export interface PoolGeometry {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
}

export interface Layer {
  readonly name: string;
  readonly kind: LayerKind;
  /** One shape per input (most layers take one; `add` takes two). */
  readonly inShapes: readonly Shape[];
  readonly outShape: Shape;
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly BufferSpec[];
  readonly noise: readonly NoiseSpec[];
  /** Multiply-accumulates per example in the forward pass (for GFLOP/s figures). */
  readonly macs: number;
  forward(g: GraphBuilder, xs: readonly string[], params: readonly string[], ctx: ForwardContext): string;
  backward(g: GraphBuilder, dy: string, v: LayerValues, want: BackwardRequest): BackwardResult;
}

export const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** The fields a layer with no parameters, buffers or noise leaves empty. */
export const STATELESS = { params: [], buffers: [], noise: [] } as const;
