// The contract every layer keeps: it knows its shapes and parameters, emits its
// forward nodes, and emits the nodes of its vector-Jacobian product right beside them.
import type { GraphBuilder } from '../onnx/graph.ts';

/** Per-example shape, without the batch dimension: [features] or [channels, height, width]. */
export type Shape = readonly number[];

export interface ParamSpec {
  /** Unique within the model, e.g. "dense1.weight". */
  readonly name: string;
  readonly shape: readonly number[];
  /** Fan-in used by PyTorch's default initialisation of this tensor's layer. */
  readonly fanIn: number;
}

/** Value names a layer's backward rule may read: its input, its output and its parameters. */
export interface LayerValues {
  readonly x: string;
  readonly y: string;
  readonly params: readonly string[];
}

export interface BackwardRequest {
  /** Emit dLoss/dx (false for the first layer of a train step: nobody reads it). */
  readonly dx: boolean;
  /** Emit dLoss/dparams (false in the input-gradient graph). */
  readonly dparams: boolean;
}

export interface BackwardResult {
  readonly dx?: string;
  /** One gradient per parameter, in `params` order; empty when not requested. */
  readonly dparams: readonly string[];
}

/** What a layer computes, enough to re-implement it (reference checks, reports). */
export type LayerKind =
  | { readonly op: 'dense'; readonly units: number }
  | { readonly op: 'conv2d'; readonly channels: number; readonly kernel: number; readonly stride: number; readonly padding: number }
  | { readonly op: 'relu' }
  | { readonly op: 'flatten' };

export interface Layer {
  readonly name: string;
  readonly kind: LayerKind;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly params: readonly ParamSpec[];
  /** Multiply-accumulates per example in the forward pass (for GFLOP/s figures). */
  readonly macs: number;
  forward(g: GraphBuilder, x: string, params: readonly string[]): string;
  backward(g: GraphBuilder, dy: string, v: LayerValues, want: BackwardRequest): BackwardResult;
}

export const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
