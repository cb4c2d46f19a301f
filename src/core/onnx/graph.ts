// A small ONNX graph builder: collects nodes, graph inputs/outputs and constant
// initializers, and serialises them to ModelProto bytes with onnx-proto.
import onnxProto from 'onnx-proto';
import { encodeAttr } from './attributes.ts';
import type { AttrValue } from './attr-value.ts';

const { onnx } = onnxProto;

/** An attribute value: numbers are INT unless wrapped with `float()`; arrays likewise. */
export { float, type AttrValue, type FloatAttr, type FloatsAttr } from './attr-value.ts';

/** A dimension: a fixed size or a symbolic name (e.g. the batch dimension "N"). */
export type Dim = number | string;
export type ElemType = 'float32' | 'int64';

const ELEM: Record<ElemType, number> = { float32: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64 };
const OPSET = 17;

/** `dims` null: a tensor of unknown rank. */
function valueInfo(name: string, type: ElemType, dims: readonly Dim[] | null): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

/** What the graph may assume about the engine that will run it. */
export interface GraphTarget {
  /** MLAS's NCHWc block size (16 with AVX-512, 8 with AVX2); 0 keeps to standard ONNX operators. */
  readonly nchwcBlock: number;
  /**
   * Emit the standard operators other tools recognise where a layer has one (BatchNormalization,
   * GlobalAveragePool) instead of the arithmetic it runs as here: for models written for other
   * runtimes (`optrobust export`).
   */
  readonly canonical?: boolean;
}

export const PORTABLE: GraphTarget = { nchwcBlock: 0 };

/** What an exported model is built for: standard operators, in their standard forms. */
export const EXPORT: GraphTarget = { nchwcBlock: 0, canonical: true };

/**
 * Layouts a value can also exist in besides its own: `nchwc`, onnxruntime's blocked
 * [N, C/B, H, W, B] (see nchwc.ts); `featureMajor`, a [N, F] matrix stored transposed as [F, N].
 */
export type Layout = 'nchwc' | 'featureMajor';

export interface NodeRecipe {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly consts = new Map<string, string>();
  private readonly aliases = new Map<string, string>();
  private readonly domains = new Set<string>();
  private readonly twins = new Map<string, string>();
  private readonly recipes = new Map<string, NodeRecipe>();
  private counter = 0;

  constructor(
    readonly name: string,
    readonly target: GraphTarget = PORTABLE,
  ) {}

  /**
   * Records that `twin` holds the same tensor as `value` in another layout, so that later
   * layers can read that layout without converting (the conversion of `value` itself is
   * dropped at serialisation when nobody reads it).
   */
  setTwin(value: string, layout: Layout, twin: string): void {
    this.twins.set(`${layout}|${value}`, twin);
  }

  /** The twin of `value` in `layout`, when the node that produced it made one. */
  twin(value: string, layout: Layout): string | undefined {
    return this.twins.get(`${layout}|${value}`);
  }

  /**
   * Whether anything emitted so far uses `value`: a graph output, or a node reading it. A
   * reshape or a conversion out of NCHWc (a view of the same data, which layers emit beside
   * every result) counts only if its own result is used; unread, it is dropped at
   * serialisation.
   */
  isUsed(value: string): boolean {
    const v = this.aliases.get(value) ?? value;
    if (this.outputs.some((o) => o.name === v)) return true;
    const view = (n: onnxProto.onnx.INodeProto) => n.opType === 'Reshape' || (n.opType === 'ReorderOutput' && n.domain === 'com.microsoft.nchwc');
    return this.nodes.some((n) => n.input!.includes(v) && (!view(n) || n.output!.some((o) => this.isUsed(o))));
  }

  /** A fresh, unique value name. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /**
   * Marks `value` as a graph output named `name`. A value computed by a node of this graph is
   * renamed in place (no copy); a graph input or an already-exported value goes through Identity.
   */
  output(value: string, name: string, type: ElemType, dims: readonly Dim[] | null): string {
    value = this.aliases.get(value) ?? value;
    if (value !== name) {
      const producer = this.nodes.find((n) => n.output?.includes(value));
      const exported = this.outputs.some((o) => o.name === value);
      if (producer && !exported) {
        producer.output = producer.output!.map((o) => (o === value ? name : o));
        for (const n of this.nodes) n.input = n.input?.map((i) => (i === value ? name : i));
        this.aliases.set(value, name); // callers may keep using the old name
        for (const [k, v] of this.aliases) if (v === value) this.aliases.set(k, name);
      } else {
        this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.fresh('Identity') });
      }
    }
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Emits one node and returns its output names. */
  nodeN(op: string, inputs: readonly string[], nOutputs: number, attrs: Record<string, AttrValue> = {}): string[] {
    const split = op.lastIndexOf(':');
    const domain = split < 0 ? '' : op.slice(0, split);
    const opType = op.slice(split + 1);
    if (domain) this.domains.add(domain);
    const outs = Array.from({ length: nOutputs }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      ...(domain ? { domain } : {}),
      name: this.fresh(`n${opType}`),
      input: inputs.map((i) => this.aliases.get(i) ?? i),
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return outs;
  }

  /** Emits one single-output node and returns its output name. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    const out = this.nodeN(op, inputs, 1, attrs)[0]!;
    this.recipes.set(out, { op, inputs, attrs });
    return out;
  }

  /**
   * How a single-output node's value was made, so a layer can emit a fused variant (the
   * original becomes dead and is dropped at serialisation if nothing else reads it).
   */
  recipe(value: string): NodeRecipe | undefined {
    return this.recipes.get(value);
  }

  /** A constant tensor, deduplicated by value. */
  constant(type: ElemType, dims: readonly number[], values: readonly number[]): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    const known = this.consts.get(key);
    if (known) return known;
    const name = this.fresh('const');
    const t: onnxProto.onnx.ITensorProto = { name, dims: [...dims], dataType: ELEM[type] };
    if (type === 'float32') t.floatData = [...values];
    else t.int64Data = [...values];
    this.initializers.push(t);
    this.consts.set(key, name);
    return name;
  }

  /** A named float tensor stored in the file (an exported model's weights), as little-endian raw data. */
  initializer(name: string, dims: readonly number[], values: Float32Array): string {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    this.initializers.push({ name, dims: [...dims], dataType: ELEM.float32, rawData: raw });
    return name;
  }

  scalar(v: number): string {
    return this.constant('float32', [], [v]);
  }

  ints(values: readonly number[]): string {
    return this.constant('int64', [values.length], values);
  }

  /** Nodes and constants some graph output depends on, in emission order (which is topological). */
  private live(): { nodes: onnxProto.onnx.INodeProto[]; initializers: onnxProto.onnx.ITensorProto[] } {
    const needed = new Set(this.outputs.map((o) => o.name!));
    const nodes: onnxProto.onnx.INodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.output!.some((o) => needed.has(o))) continue;
      nodes.push(n);
      for (const input of n.input!) needed.add(input);
    }
    return { nodes: nodes.reverse(), initializers: this.initializers.filter((t) => needed.has(t.name!)) };
  }

  toBytes(): Uint8Array {
    // Layers may emit values only some graphs read (an NCHW copy beside an NCHWc twin, say);
    // dropping them here keeps every graph to the work its outputs need.
    const { nodes, initializers } = this.live();
    const model: onnxProto.onnx.IModelProto = {
      irVersion: 8,
      producerName: 'optrobust',
      opsetImport: [{ domain: '', version: OPSET }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: this.name,
        node: nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: initializers,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
  }
}

/** The model `bytes` with `props` added to its metadata_props (what a file says about itself to other tools). */
export function withMetadata(bytes: Uint8Array, props: Readonly<Record<string, string>>): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  model.metadataProps = [...(model.metadataProps ?? []), ...Object.entries(props).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }))];
  return onnx.ModelProto.encode(model).finish();
}
