// ONNX import: a classifier exported by torch.onnx.export or tf2onnx becomes a graph of
// optrobust's own layers, each with its hand-written, finite-difference-tested backward;
// nothing is differentiated generically. Nodes are mapped one rule per op type (or per known
// pattern: MatMul + Add is a dense layer, the Div-Erf-Add-Mul-Mul chain older exporters emit
// is GELU); the small integer computations exporters put around the layers (shapes for a
// dynamic batch, the pads of F.pad) are folded to constants (fold.ts), the batch size left
// symbolic. A graph with an op no rule maps is refused before anything runs, every such
// node listed.
import { GiB, readRegularFile } from '../../util/paths.ts';
import type { Layer, Shape } from '../layer.ts';
import { size } from '../layer.ts';
import { MODEL_INPUT, ModelBuilder, type ModelGraph, type Value } from '../model.ts';
import { dense } from '../layers/dense.ts';
import { conv2d } from '../layers/conv2d.ts';
import { activation } from '../layers/activation.ts';
import { batchNorm } from '../layers/batchnorm.ts';
import { avgPool2d, globalAvgPool, maxPool2d } from '../layers/pool.ts';
import { dropout } from '../layers/dropout.ts';
import { add } from '../layers/add.ts';
import { affine } from '../layers/affine.ts';
import { reshape } from '../layers/reshape.ts';
import { padLayer, slice, type SliceAxis } from '../layers/slice.ts';
import { attributes, decodeModel, num, OnnxFileError, opsetOf, readTensor, type ModelProto, type NodeProto, type Tensor } from './read.ts';
import { fold, FOLDABLE, type Cell, type Folded } from './fold.ts';

/** The op types the importer maps (and the patterns beside them). */
export const SUPPORTED_OPS = [
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Conv',
  'BatchNormalization',
  'Relu',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'Gelu',
  'Erf (in the GELU pattern)',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Dropout',
  'Identity',
  'Constant',
  'Cast',
  'Softmax',
  'LogSoftmax',
  'Slice',
  'Pad',
  'Transpose (NHWC input to NCHW)',
  'Shape',
  'Gather',
  'Concat',
  'ConstantOfShape (folded)',
] as const;

type Act = { readonly kind: 'act'; readonly v: Value };
/** A value known when the model is imported; shape vectors may hold 'N', the batch size. */
type Const = { readonly kind: 'const'; readonly t: Folded };
type Unknown = { readonly kind: 'unknown' };
type Val = Act | Const | Unknown;

export interface ImportedModel {
  readonly model: ModelGraph;
  /** The file's weights, in optrobust's order: every layer's parameters, then every layer's buffers. */
  readonly weights: Float32Array[];
  /** For each parameter and buffer (same order), the initializer it came from. */
  readonly sources: readonly string[];
  readonly inShape: Shape;
  readonly numClasses: number;
  readonly opset: number;
  /** The file's metadata_props (key -> value), e.g. optrobust.preprocess (families/onnx.ts). */
  readonly metadata: Readonly<Record<string, string>>;
}

const numbers = (v: Val): Tensor | undefined =>
  v.kind === 'const' && v.t.values.every((x) => typeof x === 'number') ? { dims: [...v.t.dims], values: v.t.values as number[] } : undefined;

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

class Importer {
  readonly values = new Map<string, Val>();
  readonly builder: ModelBuilder;
  readonly unsupported: string[] = [];
  readonly done = new Set<NodeProto>();
  /** Reshape layers this importer added: output node → the value they reshape. */
  readonly reshapedFrom = new Map<number, Value>();
  /** Slice layers this importer added: output node → the value they slice and how. */
  readonly slicedFrom = new Map<number, { from: Value; spec: SliceAxis[] }>();
  /** The node being mapped (a layer that refuses its arguments is reported against it). */
  current: NodeProto | undefined;
  private readonly consumers = new Map<string, NodeProto[]>();
  private readonly counts = new Map<string, number>();
  readonly weights = new Map<string, { params: number[][]; buffers: number[][]; sources: string[]; bufferSources: string[] }>();

  constructor(
    readonly file: string,
    readonly graph: NonNullable<ModelProto['graph']>,
    readonly opset: number,
    readonly inShape: Shape,
  ) {
    this.builder = new ModelBuilder(inShape);
    for (const n of graph.node ?? []) for (const i of n.input ?? []) if (i) this.consumers.set(i, [...(this.consumers.get(i) ?? []), n]);
  }

  fail(node: NodeProto, why: string): never {
    throw new OnnxFileError(`${this.file}: node "${node.name || node.opType}" (${node.opType}): ${why}`);
  }

  name(base: string): string {
    const n = (this.counts.get(base) ?? 0) + 1;
    this.counts.set(base, n);
    return `${base}${n}`;
  }

  get(node: NodeProto, i: number): Val {
    const name = node.input?.[i];
    if (!name) return { kind: 'unknown' };
    const v = this.values.get(name);
    if (!v) this.fail(node, `reads "${name}", which no earlier node or initializer defines`);
    return v;
  }

  act(node: NodeProto, i: number): Value {
    const v = this.get(node, i);
    if (v.kind !== 'act') this.fail(node, `input ${i + 1} must be a computed value, not a constant`);
    return v.v;
  }

  /** Input `i` when it is a constant of plain numbers (no batch size in it). */
  constant(node: NodeProto, i: number): Tensor | undefined {
    return numbers(this.get(node, i));
  }

  /** Like `constant`, for a node not reached yet (a pattern looking ahead): undefined where its input is not known yet. */
  peekConstant(node: NodeProto, i: number): Tensor | undefined {
    const name = node.input?.[i];
    const v = name ? this.values.get(name) : undefined;
    return v && numbers(v);
  }

  attrs(node: NodeProto) {
    return attributes(node, this.file);
  }

  set(node: NodeProto, value: Val, output = 0): void {
    const name = node.output?.[output];
    if (name) this.values.set(name, value);
  }

  /** Adds a layer on `inputs` with the given initial parameter and buffer values; returns its output. */
  layer(
    make: (...shapes: Shape[]) => Layer,
    inputs: Value[],
    params: number[][] = [],
    buffers: number[][] = [],
    sources: string[] = [],
    bufferSources: string[] = [],
  ): Value {
    let v: Value;
    try {
      v = this.builder.add(make, ...inputs);
    } catch (e) {
      if (e instanceof OnnxFileError || !this.current) throw e;
      return this.fail(this.current, (e as Error).message);
    }
    this.weights.set(this.builder.layerOf(v).name, { params, buffers, sources, bufferSources });
    return v;
  }

  /** The single node reading `value`, when there is exactly one. */
  onlyConsumer(value: string): NodeProto | undefined {
    const c = this.consumers.get(value) ?? [];
    return c.length === 1 && !this.graph.output?.some((o) => o.name === value) ? c[0] : undefined;
  }
}

type Rule = (im: Importer, node: NodeProto) => void;

/** A constant broadcast per channel against a value of per-example shape `shape`: its per-channel values, or undefined. */
function perChannel(t: Tensor, shape: Shape): number[] | undefined {
  if (t.values.length === 1) return [t.values[0]!];
  const c = shape[0]!;
  const dims = t.dims.filter((d, i) => !(d === 1 && i < t.dims.length - shape.length)); // drop leading batch-like 1s
  const trailing = shape.slice(1).map(() => 1);
  const ok = t.values.length === c && (dims.join() === [c, ...trailing].join() || (shape.length === 1 && dims.join() === `${c}`));
  return ok ? t.values : undefined;
}

const transpose2d = (values: readonly number[], rows: number, cols: number): number[] => {
  const out = new Array<number>(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
};

function denseFrom(im: Importer, node: NodeProto, x: Value, w: number[], units: number, bias: number[] | undefined, sources: string[]): Value {
  if (x.shape.length !== 1)
    return im.fail(node, `multiplies a value of per-example shape [${x.shape.join(', ')}]; only flat inputs (after Flatten) are supported`);
  if (w.length !== units * x.shape[0]!) return im.fail(node, `weight of ${w.length} values does not match ${x.shape[0]} inputs x ${units} outputs`);
  return im.layer((s) => dense(im.name('dense'), s, units, bias !== undefined), [x], bias ? [w, bias] : [w], [], sources);
}

/** The per-example target of a Reshape whose shape is `dims` (batch first: 0, -1, N or the fixed batch). */
function reshapeTarget(im: Importer, node: NodeProto, from: Shape, dims: readonly (number | 'N')[]): number[] {
  const [batch, ...rest] = dims;
  const total = size(from);
  if (!(batch === 'N' || batch === 0 || batch === -1 || (typeof batch === 'number' && batch >= 1 && rest.every((d) => d !== -1))))
    return im.fail(node, `reshapes across the batch axis (target [${dims.join(', ')}])`);
  const known = rest.map((d, i) => (d === 0 ? (from[i] ?? im.fail(node, 'copies a dimension the input lacks')) : d));
  const free = known.filter((d) => d === -1).length;
  if (free > 1 || known.some((d) => d === 'N')) return im.fail(node, `reshape target [${dims.join(', ')}] is not a per-example shape`);
  if (free === 1 && batch === -1) return im.fail(node, `reshape target [${dims.join(', ')}] leaves two dimensions open`);
  const fixed = prod(known.filter((d): d is number => d !== -1));
  const out = known.map((d) => (d === -1 ? total / fixed : (d as number)));
  if (batch === -1 && free === 0) return out; // [-1, k...]: the batch absorbs nothing more when sizes match
  if (prod(out) !== total || out.some((d) => !Number.isInteger(d)))
    return im.fail(node, `cannot reshape [${from.join(', ')}] per example to [${out.join(', ')}]`);
  return out;
}

function reshapeTo(im: Importer, x: Value, target: readonly number[]): Value {
  // A reshape of a reshape is one reshape of the first one's input (no copy in between).
  const from = im.reshapedFrom.get(x.node) ?? x;
  if (from.shape.join() === target.join()) return from;
  const v = im.layer((s) => reshape(im.name('reshape'), s, target), [from]);
  im.reshapedFrom.set(v.node, from);
  return v;
}

/** The shape vector a constant holds. */
function shapeOf(v: Val): Cell[] | undefined {
  return v.kind === 'const' ? [...v.t.values] : undefined;
}

const elementwiseConst =
  (op: 'Add' | 'Sub' | 'Mul' | 'Div'): Rule =>
  (im, node) => {
    const a = im.get(node, 0);
    const b = im.get(node, 1);
    if (op === 'Add' && a.kind === 'act' && b.kind === 'act') {
      if (a.v.shape.join() !== b.v.shape.join())
        return im.fail(
          node,
          `adds values of shapes [${a.v.shape.join(', ')}] and [${b.v.shape.join(', ')}]; broadcasting between computed values is not supported`,
        );
      im.set(node, { kind: 'act', v: im.layer((x, y) => add(im.name('add'), x, y), [a.v, b.v]) });
      return;
    }
    const actFirst = a.kind === 'act';
    const x = (actFirst ? a : b) as Act;
    const c = im.constant(node, actFirst ? 1 : 0);
    if (x.kind !== 'act' || !c) return im.fail(node, `${op} of two constants this importer cannot fold, or of a value by something computed`);
    const values = perChannel(c, x.v.shape);
    if (!values) return im.fail(node, `${op} by a constant of shape [${c.dims.join(', ')}] that is neither a scalar nor one value per channel`);
    if (op === 'Div' && !actFirst) return im.fail(node, 'divides a constant by a computed value');
    const ones = values.map(() => 1);
    const zeros = values.map(() => 0);
    const [scale, shift] =
      op === 'Mul'
        ? [values, zeros]
        : op === 'Div'
          ? [values.map((v) => 1 / v), zeros]
          : op === 'Add'
            ? [ones, values]
            : actFirst
              ? [ones, values.map((v) => -v)]
              : [ones.map(() => -1), values];
    im.set(node, { kind: 'act', v: im.layer((s) => affine(im.name('affine'), s, scale, shift), [x.v]) });
  };

/** x·0.5·(1 + erf(x/√2)) in any of the orders exporters write it, starting at its Div or Mul by √2. */
function geluPattern(im: Importer, node: NodeProto): boolean {
  const c = im.constant(node, 1);
  const x = im.get(node, 0);
  if (c?.values.length !== 1 || x.kind !== 'act') return false;
  const scaled = node.opType === 'Div' ? 1 / c.values[0]! : c.values[0]!;
  if (Math.abs(scaled - Math.SQRT1_2) > 1e-4) return false;
  const erf = im.onlyConsumer(node.output![0]!);
  if (erf?.opType !== 'Erf') return false;
  const plus = im.onlyConsumer(erf.output![0]!);
  const one = plus && plus.opType === 'Add' ? im.peekConstant(plus, plus.input![0] === erf.output![0] ? 1 : 0) : undefined;
  if (!plus || !one || one.values.length !== 1 || one.values[0] !== 1) return false;
  // Then (x · that) · 0.5, or x · (that · 0.5), or 0.5 · x · that.
  const m1 = im.onlyConsumer(plus.output![0]!);
  if (m1?.opType !== 'Mul') return false;
  const m2 = im.onlyConsumer(m1.output![0]!);
  if (m2?.opType !== 'Mul') return false;
  const xName = node.input![0]!;
  const halfOf = (m: NodeProto) => m.input!.map((_, i) => im.peekConstant(m, i)).find((t) => t && t.values.length === 1 && t.values[0] === 0.5);
  const readsX = (m: NodeProto) => m.input!.includes(xName);
  if (!((readsX(m1) && halfOf(m2)) || (halfOf(m1) && readsX(m2)))) return false;
  for (const n of [erf, plus, m1, m2]) im.done.add(n);
  im.values.set(m2.output![0]!, { kind: 'act', v: im.layer((s) => activation(im.name('gelu'), s, 'gelu'), [x.v]) });
  return true;
}

const ACTIVATIONS: Record<string, 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'gelu'> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  LeakyRelu: 'leakyRelu',
  Gelu: 'gelu',
};

function poolGeometry(im: Importer, node: NodeProto, x: Value) {
  const a = im.attrs(node);
  const kernel = a.get('kernel_shape') as number[];
  if ((a.get('ceil_mode') ?? 0) !== 0) return im.fail(node, 'ceil_mode = 1 is not supported');
  if (((a.get('dilations') as number[] | undefined) ?? [1, 1]).some((d) => d !== 1)) return im.fail(node, 'dilated pooling is not supported');
  const stride = (a.get('strides') as number[] | undefined) ?? [1, 1];
  return {
    kernel: [kernel[0]!, kernel[1]!] as [number, number],
    stride: [stride[0]!, stride[1]!] as [number, number],
    padding: autoPads(im, node, x.shape, kernel, stride, [1, 1]),
  };
}

/** pads [top, left, bottom, right] from `pads` or `auto_pad`. */
function autoPads(
  im: Importer,
  node: NodeProto,
  shape: Shape,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number, number, number] {
  const a = im.attrs(node);
  const mode = (a.get('auto_pad') as string | undefined) ?? 'NOTSET';
  if (mode === 'NOTSET') {
    const p = (a.get('pads') as number[] | undefined) ?? [0, 0, 0, 0];
    return [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  if (mode === 'VALID') return [0, 0, 0, 0];
  const pads = [0, 1].map((i) => {
    const n = shape[i + 1]!;
    const total = Math.max(0, (Math.ceil(n / stride[i]!) - 1) * stride[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - n);
    const small = Math.floor(total / 2);
    return mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  });
  return [pads[0]![0]!, pads[1]![0]!, pads[0]![1]!, pads[1]![1]!];
}

/** Axes of a node: the `axes` attribute (older opsets) or its input `index`. */
function axesOf(im: Importer, node: NodeProto, index: number): number[] | undefined {
  const attr = im.attrs(node).get('axes') as number[] | undefined;
  if (attr) return attr;
  const c = im.constant(node, index);
  return c?.values;
}

const RULES: Record<string, Rule> = {
  Identity: (im, n) => im.set(n, im.get(n, 0)),
  Cast: (im, n) => im.set(n, im.get(n, 0)),
  Constant(im, n) {
    const a = im.attrs(n);
    const t = a.get('value') as Tensor | undefined;
    if (t) return im.set(n, { kind: 'const', t });
    const f = a.get('value_float') ?? a.get('value_int');
    if (typeof f === 'number') return im.set(n, { kind: 'const', t: { dims: [], values: [f] } });
    const fs = a.get('value_floats') ?? a.get('value_ints');
    if (Array.isArray(fs)) return im.set(n, { kind: 'const', t: { dims: [fs.length], values: fs } });
    im.fail(n, 'a Constant without a value this importer reads');
  },
  Gemm(im, n) {
    const x = im.act(n, 0);
    const b = im.constant(n, 1);
    if (!b) return im.fail(n, 'its weight must be a constant (an initializer)');
    const a = im.attrs(n);
    if ((a.get('transA') ?? 0) !== 0) return im.fail(n, 'transA = 1 (a transposed input) is not supported');
    if ((a.get('alpha') ?? 1) !== 1 || (a.get('beta') ?? 1) !== 1) return im.fail(n, 'alpha or beta other than 1 is not supported');
    const transB = (a.get('transB') ?? 0) === 1;
    const [r, c] = b.dims as [number, number];
    const units = transB ? r : c;
    const w = transB ? b.values : transpose2d(b.values, r, c);
    const bias = im.constant(n, 2);
    if (n.input![2] && !bias) return im.fail(n, 'its bias must be a constant');
    if (bias && bias.values.length !== units)
      return im.fail(n, `bias of ${bias.values.length} values for ${units} outputs (broadcast biases are not supported)`);
    im.set(n, { kind: 'act', v: denseFrom(im, n, x, w, units, bias?.values, [n.input![1]!, ...(bias ? [n.input![2]!] : [])]) });
  },
  MatMul(im, n) {
    const x = im.act(n, 0);
    const b = im.constant(n, 1);
    if (b?.dims.length !== 2) return im.fail(n, 'only a computed value times a constant matrix (a dense layer) is supported');
    const [inputs, units] = b.dims as [number, number];
    const w = transpose2d(b.values, inputs, units);
    // A following Add of a constant vector is the dense layer's bias (Keras and tf2onnx write it so).
    const next = im.onlyConsumer(n.output![0]!);
    const other = next?.opType === 'Add' ? next.input!.findIndex((i) => i !== n.output![0]) : -1;
    const bias = next && other >= 0 ? im.peekConstant(next, other) : undefined;
    if (next && bias && bias.values.length === units && bias.dims.filter((d) => d !== 1).length <= 1) {
      im.done.add(next);
      im.values.set(next.output![0]!, { kind: 'act', v: denseFrom(im, n, x, w, units, bias.values, [n.input![1]!, next.input![other]!]) });
      return;
    }
    im.set(n, { kind: 'act', v: denseFrom(im, n, x, w, units, undefined, [n.input![1]!]) });
  },
  Add: elementwiseConst('Add'),
  Sub: elementwiseConst('Sub'),
  Mul(im, n) {
    if (!geluPattern(im, n)) elementwiseConst('Mul')(im, n);
  },
  Div(im, n) {
    if (!geluPattern(im, n)) elementwiseConst('Div')(im, n);
  },
  Conv(im, n) {
    const x = im.act(n, 0);
    const w = im.constant(n, 1);
    if (w?.dims.length !== 4) return im.fail(n, 'only 2-D convolutions with a constant weight are supported');
    const a = im.attrs(n);
    if ((a.get('group') ?? 1) !== 1) return im.fail(n, `group = ${a.get('group')}: grouped and depthwise convolutions are not supported`);
    const [co, ci, kh, kw] = w.dims as [number, number, number, number];
    if (x.shape[0] !== ci) return im.fail(n, `weight expects ${ci} input channels, the input has ${x.shape[0]}`);
    const stride = (a.get('strides') as number[] | undefined) ?? [1, 1];
    const dilation = (a.get('dilations') as number[] | undefined) ?? [1, 1];
    const padding = autoPads(im, n, x.shape, [kh, kw], stride, dilation);
    const bias = im.constant(n, 2);
    if (n.input![2] && !bias) return im.fail(n, 'its bias must be a constant');
    const v = im.layer(
      (s) =>
        conv2d(im.name('conv'), s, {
          channels: co,
          kernel: [kh, kw],
          stride: [stride[0]!, stride[1]!],
          padding,
          dilation: [dilation[0]!, dilation[1]!],
          bias: bias !== undefined,
        }),
      [x],
      bias ? [w.values, bias.values] : [w.values],
      [],
      [n.input![1]!, ...(bias ? [n.input![2]!] : [])],
    );
    im.set(n, { kind: 'act', v });
  },
  BatchNormalization(im, n) {
    const x = im.act(n, 0);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => im.constant(n, i));
    if (!scale || !bias || !mean || !variance) return im.fail(n, 'scale, bias, mean and variance must be constants');
    const a = im.attrs(n);
    const eps = (a.get('epsilon') as number | undefined) ?? 1e-5;
    // ONNX: running = running·momentum + batch·(1 − momentum); torch's momentum is 1 − that.
    const momentum = 1 - ((a.get('momentum') as number | undefined) ?? 0.9);
    const v = im.layer(
      (s) => batchNorm(im.name('bn'), s, { eps, momentum }),
      [x],
      [scale.values, bias.values],
      [mean.values, variance.values],
      [n.input![1]!, n.input![2]!],
      [n.input![3]!, n.input![4]!],
    );
    im.set(n, { kind: 'act', v });
  },
  MaxPool(im, n) {
    const x = im.act(n, 0);
    const g = poolGeometry(im, n, x);
    im.set(n, { kind: 'act', v: im.layer((s) => maxPool2d(im.name('maxpool'), s, g), [x]) });
  },
  AveragePool(im, n) {
    const x = im.act(n, 0);
    const g = poolGeometry(im, n, x);
    const countIncludePad = (im.attrs(n).get('count_include_pad') ?? 0) === 1;
    im.set(n, { kind: 'act', v: im.layer((s) => avgPool2d(im.name('avgpool'), s, { ...g, countIncludePad }), [x]) });
  },
  GlobalAveragePool(im, n) {
    const x = im.act(n, 0);
    const pooled = im.layer((s) => globalAvgPool(im.name('gap'), s), [x]);
    // ONNX keeps the plane as 1 x 1; a Flatten after it makes it [C] again.
    im.set(n, { kind: 'act', v: reshapeTo(im, pooled, [pooled.shape[0]!, 1, 1]) });
  },
  Flatten(im, n) {
    const x = im.act(n, 0);
    const axis = (im.attrs(n).get('axis') as number | undefined) ?? 1;
    if (axis !== 1) return im.fail(n, `axis = ${axis}: only flattening each example (axis 1) is supported`);
    im.set(n, { kind: 'act', v: reshapeTo(im, x, [size(x.shape)]) });
  },
  Reshape(im, n) {
    const data = im.act(n, 0);
    const target = shapeOf(im.get(n, 1));
    if (!target) return im.fail(n, 'its target shape must be a constant or computed from shapes');
    im.set(n, { kind: 'act', v: reshapeTo(im, data, reshapeTarget(im, n, data.shape, target)) });
  },
  Squeeze(im, n) {
    const data = im.act(n, 0);
    const axes = axesOf(im, n, 1);
    const rank = data.shape.length + 1;
    const drop = (axes ?? data.shape.map((d, i) => (d === 1 ? i + 1 : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + rank : a));
    if (drop.includes(0)) return im.fail(n, 'squeezes the batch axis');
    im.set(n, {
      kind: 'act',
      v: reshapeTo(
        im,
        data,
        data.shape.filter((_, i) => !drop.includes(i + 1)),
      ),
    });
  },
  Unsqueeze(im, n) {
    const data = im.act(n, 0);
    const axes = axesOf(im, n, 1) ?? im.fail(n, 'no axes');
    const out = [...data.shape];
    const rank = out.length + 1 + axes.length;
    for (const a of [...axes].map((x) => (x < 0 ? x + rank : x)).sort((p, q) => p - q)) {
      if (a === 0) return im.fail(n, 'inserts an axis before the batch axis');
      out.splice(a - 1, 0, 1);
    }
    im.set(n, { kind: 'act', v: reshapeTo(im, data, out) });
  },
  Dropout(im, n) {
    const x = im.act(n, 0);
    const ratio = (im.attrs(n).get('ratio') as number | undefined) ?? im.constant(n, 1)?.values[0] ?? 0.5;
    im.set(n, { kind: 'act', v: ratio > 0 ? im.layer((s) => dropout(im.name('dropout'), s, ratio), [x]) : x });
  },
  Softmax(im, n) {
    if (!im.graph.output?.some((o) => o.name === n.output![0]))
      return im.fail(n, 'a softmax inside the network is not supported (only a final one, which is dropped: the loss takes logits)');
    im.set(n, im.get(n, 0));
  },
  Slice(im, n) {
    const data = im.get(n, 0);
    const a = im.attrs(n);
    const read = (name: string, i: number) => (a.get(name) as number[] | undefined) ?? im.constant(n, i)?.values;
    const starts = read('starts', 1);
    const ends = read('ends', 2);
    if (!starts || !ends) return im.fail(n, 'starts and ends must be constants');
    const axes = read('axes', 3) ?? starts.map((_, i) => i);
    const steps = read('steps', 4) ?? starts.map(() => 1);
    if (data.kind !== 'act') return im.fail(n, 'slices a constant this importer cannot fold');
    const shape = data.v.shape;
    const spec = shape.map(() => null as { start: number; end: number; step: number } | null);
    axes.forEach((raw, k) => {
      const axis = raw < 0 ? raw + shape.length + 1 : raw;
      if (axis === 0) {
        if (starts[k] === 0 && steps[k] === 1 && ends[k]! >= 2 ** 31 - 1) return; // the whole batch
        im.fail(n, 'slices the batch axis');
      }
      const d = shape[axis - 1]!;
      if (steps[k]! < 1) return im.fail(n, 'negative or zero steps are not supported');
      const norm = (v: number) => Math.max(0, Math.min(d, v < 0 ? v + d : v));
      spec[axis - 1] = { start: norm(starts[k]!), end: norm(ends[k]!), step: steps[k]! };
    });
    // A slice of a slice (x[:, :, ::2, ::2] is exported as one Slice per axis) is one slice of the first one's input.
    const inner = im.slicedFrom.get(data.v.node);
    const from = inner?.from ?? data.v;
    const composed = inner
      ? inner.spec.map((a, i) => {
          const b = spec[i] ?? { start: 0, end: shape[i]!, step: 1 };
          const count = Math.ceil((b.end - b.start) / b.step);
          const start = a.start + b.start * a.step;
          return { start, end: start + (count - 1) * a.step * b.step + 1, step: a.step * b.step };
        })
      : spec.map((a, i) => a ?? { start: 0, end: shape[i]!, step: 1 });
    const v = im.layer((s) => slice(im.name('slice'), s, composed), [from]);
    im.slicedFrom.set(v.node, { from, spec: composed });
    im.set(n, { kind: 'act', v });
  },
  Pad(im, n) {
    const x = im.act(n, 0);
    const a = im.attrs(n);
    if (((a.get('mode') as string | undefined) ?? 'constant') !== 'constant')
      return im.fail(n, `mode "${a.get('mode')}": only constant (zero) padding is supported`);
    const value = (a.get('value') as number | undefined) ?? im.constant(n, 2)?.values[0] ?? 0;
    if (value !== 0) return im.fail(n, `pads with ${value}; only zero padding is supported`);
    const pads = (a.get('pads') as number[] | undefined) ?? im.constant(n, 1)?.values ?? im.fail(n, 'its pads must be a constant');
    const axes = im.constant(n, 3)?.values;
    if (axes) return im.fail(n, 'the axes input (opset 18) is not supported; give pads for every axis');
    const rank = x.shape.length + 1;
    if (pads.length !== 2 * rank || pads[0] !== 0 || pads[rank] !== 0)
      return im.fail(n, `pads [${pads.join(', ')}] must cover every axis and leave the batch axis alone`);
    if (pads.every((p) => p === 0)) return im.set(n, { kind: 'act', v: x });
    im.set(n, { kind: 'act', v: im.layer((s) => padLayer(im.name('pad'), s, pads.slice(1, rank), pads.slice(rank + 1)), [x]) });
  },
  Shape(im, n) {
    const x = im.act(n, 0);
    const a = im.attrs(n);
    const dims: Cell[] = ['N', ...x.shape];
    const norm = (v: number) => Math.max(0, Math.min(dims.length, v < 0 ? v + dims.length : v));
    const values = dims.slice(norm((a.get('start') as number | undefined) ?? 0), norm((a.get('end') as number | undefined) ?? dims.length));
    im.set(n, { kind: 'const', t: { dims: [values.length], values } });
  },
};
RULES.LogSoftmax = RULES.Softmax!;
for (const [op, fn] of Object.entries(ACTIVATIONS)) {
  RULES[op] = (im, n) => {
    const x = im.act(n, 0);
    const a = im.attrs(n);
    if (op === 'Gelu' && ((a.get('approximate') as string | undefined) ?? 'none') !== 'none')
      return im.fail(n, 'the tanh approximation of GELU is not supported (only the exact one)');
    const slope = (a.get('alpha') as number | undefined) ?? 0.01;
    im.set(n, { kind: 'act', v: im.layer((s) => activation(im.name(fn), s, fn, slope), [x]) });
  };
}

/** The image input of the graph: the first input that is not an initializer, its per-example shape, and whether it is NHWC with a Transpose to NCHW first. */
function graphInput(file: string, graph: NonNullable<ModelProto['graph']>): { name: string; shape: number[]; nhwc: NodeProto | undefined } {
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name));
  if (inputs.length !== 1) throw new OnnxFileError(`${file}: has ${inputs.length} inputs besides its weights; expected one, the images`);
  const input = inputs[0]!;
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  if (dims.length < 2)
    throw new OnnxFileError(`${file}: input "${input.name}" has rank ${dims.length}; expected a batch axis and the image axes, e.g. [N, 1, 28, 28]`);
  const shape = dims.slice(1).map((d, i) => {
    const v = num(d.dimValue as number);
    if (!(v >= 1))
      throw new OnnxFileError(`${file}: input "${input.name}" axis ${i + 1} has no fixed size (${d.dimParam ?? '?'}); only the batch axis may be dynamic`);
    return v;
  });
  const first = (graph.node ?? []).filter((n) => n.input?.includes(input.name!));
  const t = first.length === 1 && first[0]!.opType === 'Transpose' ? first[0] : undefined;
  const perm = t ? (attributes(t, file).get('perm') as number[] | undefined) : undefined;
  if (t && shape.length === 3 && perm?.join() === '0,3,1,2') return { name: input.name!, shape: [shape[2]!, shape[0]!, shape[1]!], nhwc: t };
  return { name: input.name!, shape, nhwc: undefined };
}

/** Parses and maps a classifier; every unsupported node is listed in one error. */
export function importOnnx(bytes: Uint8Array, file: string): ImportedModel {
  const model = decodeModel(bytes, file);
  const graph = model.graph!;
  const opset = opsetOf(model);
  if (!(graph.initializer ?? []).length)
    throw new OnnxFileError(`${file}: has no initializers (no weights); export the model with its parameters (torch.onnx.export's export_params=True)`);
  const input = graphInput(file, graph);
  const im = new Importer(file, graph, opset, input.shape);
  for (const t of graph.initializer ?? []) im.values.set(t.name!, { kind: 'const', t: readTensor(t, file) });
  im.values.set(input.name, { kind: 'act', v: im.builder.input });
  if (input.nhwc) {
    im.done.add(input.nhwc);
    im.values.set(input.nhwc.output![0]!, { kind: 'act', v: im.builder.input });
  }
  // Constants first: the pattern rules look ahead at nodes whose constants come later.
  for (const node of graph.node ?? []) {
    if (node.opType === 'Constant' && (!node.domain || node.domain === 'ai.onnx')) {
      RULES.Constant!(im, node);
      im.done.add(node);
    }
  }
  for (const node of graph.node ?? []) {
    if (im.done.has(node)) continue;
    const standard = !node.domain || node.domain === 'ai.onnx';
    const reads = (node.input ?? []).filter(Boolean).map((i) => im.values.get(i));
    if (standard && FOLDABLE.has(node.opType ?? '') && reads.every((v) => v?.kind === 'const')) {
      const inputs = (node.input ?? []).map((i) => (i ? (im.values.get(i) as Const).t : undefined));
      const out = fold({ op: node.opType!, inputs, attrs: im.attrs(node) });
      if (!out)
        im.unsupported.push(
          `${node.opType} "${node.name}" (on constants this importer cannot ` +
            `fold${inputs.some((t) => t?.values.includes('N')) ? ': arithmetic on the batch size' : ''})`,
        );
      im.set(node, out ? { kind: 'const', t: out } : { kind: 'unknown' });
      continue;
    }
    const rule = standard ? RULES[node.opType ?? ''] : undefined;
    const downstream = reads.some((v) => v?.kind === 'unknown');
    if (!rule || downstream) {
      // Nodes downstream of one already listed are not listed again; foldable ops only fail on computed values.
      if (!rule && !(downstream && FOLDABLE.has(node.opType ?? '')))
        im.unsupported.push(
          `${node.domain ? `${node.domain}:` : ''}${node.opType} "${node.name}"${FOLDABLE.has(node.opType ?? '') ? ' (on a computed value)' : ''}`,
        );
      for (const o of node.output ?? []) if (o) im.values.set(o, { kind: 'unknown' });
      continue;
    }
    im.current = node;
    rule(im, node);
  }
  if (im.unsupported.length) {
    throw new OnnxFileError(
      `${file}: ${im.unsupported.length} node(s) cannot be imported: ${im.unsupported.join(', ')}. Supported: ${SUPPORTED_OPS.join(', ')}`,
    );
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new OnnxFileError(`${file}: has ${outputs.length} outputs; expected one, the class scores`);
  const out = im.values.get(outputs[0]!.name!);
  if (out?.kind !== 'act') throw new OnnxFileError(`${file}: its output "${outputs[0]!.name}" is not computed from the input`);
  if (out.v.node === MODEL_INPUT) throw new OnnxFileError(`${file}: its output is its input`);
  const logits = out.v.shape.filter((d) => d !== 1).length <= 1 ? reshapeTo(im, out.v, [size(out.v.shape)]) : out.v;
  if (logits.shape.length !== 1) throw new OnnxFileError(`${file}: its output has per-example shape [${logits.shape.join(', ')}]; expected class scores [K]`);
  const graphOut = im.builder.build(logits);
  const layers = graphOut.nodes.map((n) => n.layer);
  const w = (l: Layer) => im.weights.get(l.name) ?? { params: [], buffers: [], sources: [], bufferSources: [] };
  const weights = [...layers.flatMap((l) => w(l).params), ...layers.flatMap((l) => w(l).buffers)].map((v) => Float32Array.from(v));
  const sources = [...layers.flatMap((l) => w(l).sources), ...layers.flatMap((l) => w(l).bufferSources)];
  const specs = [...layers.flatMap((l) => l.params), ...layers.flatMap((l) => l.buffers)];
  specs.forEach((s, i) => {
    if (weights[i]!.length !== size(s.shape))
      throw new OnnxFileError(`${file}: initializer "${sources[i]}" has ${weights[i]!.length} values; ${s.name} needs ${size(s.shape)}`);
  });
  const metadata = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return { model: graphOut, weights, sources, inShape: input.shape, numClasses: logits.shape[0]!, opset, metadata };
}

/** An ONNX file's bytes: a regular file within protobuf's 2 GiB message limit. */
export function readOnnxFile(path: string): Uint8Array {
  return readRegularFile(path, { what: 'an ONNX model file', maxBytes: 2 * GiB - 1, error: (file, problem) => new OnnxFileError(`${file}: ${problem}`) });
}

export function importOnnxFile(path: string): ImportedModel {
  return importOnnx(readOnnxFile(path), path);
}
