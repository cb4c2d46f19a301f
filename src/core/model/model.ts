// A model is a graph of layers: each node is a layer and the values it reads (the model's
// input, or earlier nodes' outputs), in an order where every node comes after its inputs.
// A residual block is two paths that meet in an `add` node. `ModelBuilder` makes one by
// chaining layers from values.
import type { Layer, Shape } from './layer.ts';

export const MODEL_INPUT = -1;

export interface ModelNode {
  readonly layer: Layer;
  /** Node indices of the values the layer reads, in the layer's input order; MODEL_INPUT for the image. */
  readonly inputs: readonly number[];
}

export interface ModelGraph {
  /** Per-example input shape [C, H, W] (or [F]). */
  readonly inShape: Shape;
  /** Topologically ordered; the last node's output is the logits. */
  readonly nodes: readonly ModelNode[];
  /** Initial weights (parameters, then buffers) when the model comes with its own (an imported file's); else seeded. */
  readonly initial?: readonly Float32Array[];
}

/** A value in a model under construction: the model input or a node's output, with its shape. */
export interface Value {
  readonly node: number;
  readonly shape: Shape;
}

export class ModelBuilder {
  private readonly nodes: ModelNode[] = [];
  private readonly names = new Set<string>();
  readonly input: Value;

  constructor(readonly inShape: Shape) {
    this.input = { node: MODEL_INPUT, shape: inShape };
  }

  /** Adds a layer reading `inputs`; `make` receives their shapes. */
  add(make: (...shapes: Shape[]) => Layer, ...inputs: Value[]): Value {
    const layer = make(...inputs.map((v) => v.shape));
    if (this.names.has(layer.name)) throw new Error(`model: two layers are named "${layer.name}"`);
    if (layer.inShapes.length !== inputs.length)
      throw new Error(`model: layer "${layer.name}" takes ${layer.inShapes.length} input(s), given ${inputs.length}`);
    this.names.add(layer.name);
    this.nodes.push({ layer, inputs: inputs.map((v) => v.node) });
    return { node: this.nodes.length - 1, shape: layer.outShape };
  }

  /** The layer that computes `v`. */
  layerOf(v: Value): Layer {
    const node = this.nodes[v.node];
    if (!node) throw new Error('model: the input has no layer');
    return node.layer;
  }

  /** A chain of single-input layers from `from`. */
  chain(from: Value, ...makers: ((shape: Shape) => Layer)[]): Value {
    return makers.reduce((v, make) => this.add(make, v), from);
  }

  /** The model whose logits are `output` (which must be the last value added). */
  /** The model computing `output`: the layers it depends on, in the order they were added (others dropped). */
  build(output: Value): ModelGraph {
    if (output.node === MODEL_INPUT) throw new Error('model: the output is the input');
    const keep = new Set<number>([output.node]);
    for (let i = output.node; i >= 0; i--) if (keep.has(i)) for (const j of this.nodes[i]!.inputs) if (j !== MODEL_INPUT) keep.add(j);
    const index = new Map<number, number>();
    const nodes: ModelNode[] = [];
    for (let i = 0; i <= output.node; i++) {
      if (!keep.has(i)) continue;
      index.set(i, nodes.length);
      const n = this.nodes[i]!;
      nodes.push({ layer: n.layer, inputs: n.inputs.map((j) => (j === MODEL_INPUT ? j : index.get(j)!)) });
    }
    return { inShape: this.inShape, nodes };
  }
}

/** A plain stack of single-input layers. */
export function sequential(inShape: Shape, makers: readonly ((shape: Shape) => Layer)[]): ModelGraph {
  const b = new ModelBuilder(inShape);
  return b.build(b.chain(b.input, ...makers));
}

export const modelLayers = (m: ModelGraph): Layer[] => m.nodes.map((n) => n.layer);
