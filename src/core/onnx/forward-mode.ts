// Forward-mode differentiation of an ONNX graph: given tangents for some float inputs, emits
// beside every node the directional derivative of its outputs (a Jacobian-vector product),
// and returns the tangents of chosen outputs as new outputs. Applied to a training graph
// whose outputs are gradients, with the parameters as seeds, it gives exact Hessian-vector
// products, H·v = d/dε ∇L(w + εv) at ε = 0 (Pearlmutter 1994: forward over reverse), in one
// pass and with no step size: the same values autograd's double backward gives, including
// its conventions at kinks (a ReLU's or max-pool's derivative is its mask, held fixed).
//
// One rule per operator, in the tables below (onnxruntime's blocked-layout operators too).
// A node none of whose inputs carries a tangent
// is left alone; a node that would need a rule it lacks is refused by name. Integer and
// boolean results (shapes, indices, masks) carry no tangent; nor do comparisons and casts
// to those types, which are constant almost everywhere.
import onnxProto from 'onnx-proto';
import { encodeAttr } from './attributes.ts';
import type { AttrValue } from './attr-value.ts';
import { num, type Long } from './long.ts';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const BOOL = onnx.TensorProto.DataType.BOOL;
const FLOAT_TYPES = new Set<number>([FLOAT, onnx.TensorProto.DataType.DOUBLE, onnx.TensorProto.DataType.FLOAT16, onnx.TensorProto.DataType.BFLOAT16]);

/** The tangent graph's name for the tangent of `value`. */
export const tangentName = (value: string): string => `tangent:${value}`;

export interface ForwardModeOptions {
  /** Graph inputs that get a tangent input (named tangentName(input), same type and shape). */
  readonly seeds: readonly string[];
  /** Graph outputs whose tangents become outputs (named tangentName(output)). */
  readonly outputs: readonly string[];
  /** Original outputs to keep beside them (all others, and whatever only they need, are dropped). */
  readonly keep?: readonly string[];
}

/** Emits tangent nodes into the graph being transformed. */
class Emitter {
  private counter = 0;
  readonly nodes: Node[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly consts = new Map<string, string>();

  private fresh(prefix: string): string {
    return `jvp_${prefix}_${this.counter++}`;
  }

  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.raw({ opType: op, input: [...inputs], attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)) });
  }

  /** The same operator as `like` (domain and attributes too, but those in `drop`) on other inputs. */
  like(like: Node, inputs: readonly string[], drop: readonly string[] = []): string {
    const attribute = (like.attribute ?? []).filter((a) => !drop.includes(a.name!));
    return this.raw({ opType: like.opType!, ...(like.domain ? { domain: like.domain } : {}), input: [...inputs], attribute });
  }

  private raw(n: Node): string {
    const out = this.fresh(n.opType!);
    this.nodes.push({ ...n, name: this.fresh(`n${n.opType}`), output: [out] });
    return out;
  }

  scalar(v: number): string {
    return this.constant(`f|${v}`, { dims: [], dataType: FLOAT, floatData: [v] });
  }

  ints(values: readonly number[]): string {
    return this.constant(`i|${values.join(',')}`, { dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] });
  }

  private constant(key: string, t: onnxProto.onnx.ITensorProto): string {
    let name = this.consts.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push({ ...t, name });
      this.consts.set(key, name);
    }
    return name;
  }

  /** Zeros of x's shape (float). */
  zerosLike(x: string): string {
    return this.node('ConstantOfShape', [this.node('Shape', [x])]);
  }

  /** t broadcast to the shape of y (a tangent of an input smaller than the output). */
  expandTo(t: string, y: string): string {
    return this.node('Expand', [t, this.node('Shape', [y])]);
  }

  sum(parts: readonly (string | undefined)[]): string | undefined {
    const present = parts.filter((p): p is string => p !== undefined);
    return present.length === 0 ? undefined : present.reduce((a, b) => this.node('Add', [a, b]));
  }
}

type Tangents = readonly (string | undefined)[];
/** A rule: the tangents of a node's outputs from its inputs' tangents (undefined: zero). */
type Rule = (e: Emitter, n: Node, t: Tangents) => (string | undefined)[];

const attr = (n: Node, name: string) => n.attribute?.find((a) => a.name === name);
const intAttr = (n: Node, name: string, fallback: number) => {
  const a = attr(n, name);
  return a ? num(a.i as number | Long) : fallback;
};
const floatAttr = (n: Node, name: string, fallback: number) => attr(n, name)?.f ?? fallback;
const input = (n: Node, i: number) => n.input![i]!;
const output = (n: Node, i = 0) => n.output![i]!;

/** Linear in its first input alone (the others are shapes, axes or indices). */
const linearInFirst: Rule = (e, n, t) => [t[0] === undefined ? undefined : e.like(n, [t[0], ...n.input!.slice(1)])];

/** Elementwise with derivative f'(x, y): tangent = t · f'. */
const pointwise =
  (derivative: (e: Emitter, x: string, y: string) => string): Rule =>
  (e, n, t) => [e.node('Mul', [t[0]!, derivative(e, input(n, 0), output(n))])];

/** Linear in every float input listed (missing tangents are zeros of that input's shape). */
const linearIn =
  (floats: readonly number[]): Rule =>
  (e, n, t) => [
    e.like(
      n,
      n.input!.map((x, i) => (floats.includes(i) ? (t[i] ?? e.zerosLike(x)) : x)),
    ),
  ];

/** Bilinear in inputs 0 and 1 (MatMul; Conv and ConvTranspose, whose optional bias, input 2, is linear): the product rule. */
const bilinear: Rule = (e, n, t) => {
  const [a, b] = [input(n, 0), input(n, 1)];
  const tb = t[2];
  let biasUsed = false;
  const bias = () => (tb !== undefined && !biasUsed ? ((biasUsed = true), [tb]) : []);
  const terms = [t[0] && e.like(n, [t[0], b, ...bias()]), t[1] && e.like(n, [a, t[1], ...bias()])];
  if (tb !== undefined && !biasUsed) terms.push(biasOnly(e, n, tb));
  return [e.sum(terms)];
};

/** A per-channel bias's tangent spread over a convolution's output [N, C, spatial...]. */
function biasOnly(e: Emitter, n: Node, tb: string): string {
  const rank = attr(n, 'kernel_shape')?.ints?.length;
  if (!rank) throw new Error(`forward mode: ${n.opType} node "${n.name}" needs kernel_shape to place its bias tangent`);
  return e.expandTo(e.node('Reshape', [tb, e.ints([-1, ...Array<number>(rank).fill(1)])]), output(n));
}

const RULES: Record<string, Rule> = {
  Identity: linearInFirst,
  Reshape: linearInFirst,
  Flatten: linearInFirst,
  Transpose: linearInFirst,
  Squeeze: linearInFirst,
  Unsqueeze: linearInFirst,
  Expand: linearInFirst,
  Slice: linearInFirst,
  Gather: linearInFirst,
  GatherElements: linearInFirst,
  ReduceSum: linearInFirst,
  ReduceMean: linearInFirst,
  AveragePool: linearInFirst,
  GlobalAveragePool: linearInFirst,
  Neg: linearInFirst,
  Tile: linearInFirst,
  // A constant pad's tangent pads with zeros, whatever the value padded with.
  Pad: (e, n, t) => [t[0] === undefined ? undefined : e.like(n, [t[0], input(n, 1), ...(n.input![3] ? ['', n.input![3]] : [])])],
  Concat: (e, n, t) => linearIn(n.input!.map((_, i) => i))(e, n, t),
  ScatterElements: (e, n, t) => {
    const reduction = attr(n, 'reduction')?.s;
    const r = reduction ? new TextDecoder().decode(reduction) : 'none';
    if (r !== 'none' && r !== 'add') throw new Error(`forward mode: ScatterElements node "${n.name}" with reduction "${r}" is not linear; no rule`);
    return linearIn([0, 2])(e, n, t);
  },
  Where: (e, n, t) => [e.like(n, [input(n, 0), t[1] ?? e.scalar(0), t[2] ?? e.scalar(0)])],
  Add: (e, n, t) => [t[0] !== undefined && t[1] !== undefined ? e.node('Add', [t[0], t[1]]) : e.expandTo((t[0] ?? t[1])!, output(n))],
  Sub: (e, n, t) => [
    t[0] !== undefined && t[1] !== undefined
      ? e.node('Sub', [t[0], t[1]])
      : t[0] !== undefined
        ? e.expandTo(t[0], output(n))
        : e.expandTo(e.node('Neg', [t[1]!]), output(n)),
  ],
  Sum: (e, n, t) => [e.expandTo(e.sum(t)!, output(n))],
  Mul: (e, n, t) => [e.sum([t[0] && e.node('Mul', [t[0], input(n, 1)]), t[1] && e.node('Mul', [input(n, 0), t[1]])])],
  // y = a/b:  dy = (da − y·db)/b
  Div: (e, n, t) => {
    const [a, b] = [t[0], t[1]];
    if (b === undefined) return [e.node('Div', [a!, input(n, 1)])];
    const yb = e.node('Mul', [output(n), b]);
    return [e.node('Div', [a === undefined ? e.node('Neg', [yb]) : e.node('Sub', [a, yb]), input(n, 1)])];
  },
  MatMul: bilinear,
  Gemm: (e, n, t) => {
    const beta = floatAttr(n, 'beta', 1);
    const terms = [
      t[0] === undefined ? undefined : e.like(n, [t[0], input(n, 1), ...(t[2] ? [t[2]] : [])]),
      t[1] === undefined ? undefined : e.like(n, [input(n, 0), t[1]]),
    ];
    if (t[2] !== undefined && t[0] === undefined) terms.push(e.expandTo(e.node('Mul', [t[2], e.scalar(beta)]), output(n)));
    return [e.sum(terms)];
  },
  Conv: bilinear,
  ConvTranspose: bilinear,
  Relu: pointwise((e, _x, y) => reluMask(e, y)),
  LeakyRelu: (e, n, t) => [
    e.node('Where', [e.node('Greater', [input(n, 0), e.scalar(0)]), t[0]!, e.node('Mul', [t[0]!, e.scalar(floatAttr(n, 'alpha', 0.01))])]),
  ],
  Tanh: pointwise((e, _x, y) => e.node('Sub', [e.scalar(1), e.node('Mul', [y, y])])),
  Sigmoid: pointwise((e, _x, y) => e.node('Mul', [y, e.node('Sub', [e.scalar(1), y])])),
  Exp: pointwise((_e, _x, y) => y),
  Log: (e, n, t) => [e.node('Div', [t[0]!, input(n, 0)])],
  Sqrt: (e, n, t) => [e.node('Div', [t[0]!, e.node('Mul', [output(n), e.scalar(2)])])],
  Reciprocal: (e, n, t) => [e.node('Neg', [e.node('Mul', [t[0]!, e.node('Mul', [output(n), output(n)])])])],
  Erf: pointwise((e, x) => e.node('Mul', [e.node('Exp', [e.node('Neg', [e.node('Mul', [x, x])])]), e.scalar(2 / Math.sqrt(Math.PI))])),
  // y = x − log Σ exp x:  dy = dx − Σ softmax(x)·dx
  LogSoftmax: (e, n, t) => {
    const axis = intAttr(n, 'axis', -1);
    return [e.node('Sub', [t[0]!, e.node('ReduceSum', [e.node('Mul', [e.node('Exp', [output(n)]), t[0]!]), e.ints([axis])], { keepdims: 1 })])];
  },
  Softmax: (e, n, t) => {
    const axis = intAttr(n, 'axis', -1);
    const y = output(n);
    return [e.node('Mul', [y, e.node('Sub', [t[0]!, e.node('ReduceSum', [e.node('Mul', [y, t[0]!]), e.ints([axis])], { keepdims: 1 })])])];
  },
  // Σ x² (axes as an attribute before opset 18):  2·Σ x·dx
  ReduceSumSquare: (e, n, t) => {
    const axes = attr(n, 'axes')?.ints?.map((a) => num(a as number | Long));
    const twice = e.node('Mul', [e.node('Mul', [input(n, 0), t[0]!]), e.scalar(2)]);
    return [e.node('ReduceSum', axes ? [twice, e.ints(axes)] : [twice], { keepdims: intAttr(n, 'keepdims', 1) })];
  },
  // The maximum's tangent is the tangent at the position it came from (the Indices output,
  // flat over the whole input tensor, added to the node when it has none).
  MaxPool: (e, n, t) => {
    if (intAttr(n, 'storage_order', 0) !== 0) throw new Error(`forward mode: MaxPool node "${n.name}" with storage_order 1 has no rule`);
    if (n.output!.length < 2 || !n.output![1]) n.output = [output(n), `${output(n)}:indices`];
    return [e.node('Gather', [e.node('Reshape', [t[0]!, e.ints([-1])]), output(n, 1)], { axis: 0 }), undefined];
  },
  Cast: (e, n, t) => [FLOAT_TYPES.has(intAttr(n, 'to', 0)) ? e.like(n, [t[0]!]) : undefined],
};

/** The ReLU mask y ≠ 0 (= x > 0), as the activation's own backward rule takes it. */
const reluMask = (e: Emitter, y: string) => e.node('Cast', [e.node('Cast', [y], { to: BOOL })], { to: FLOAT });

/**
 * onnxruntime's blocked-layout operators (src/core/onnx/nchwc.ts): the layout conversions are
 * linear; the convolution Y = act(Conv(X, W) + B + Sum) is bilinear in X and W and linear in
 * B and Sum, so its tangent is Conv(tX, W) + Conv(X, tW) + tB + tSum (chained through the
 * operator's own Sum input, in the blocked layout), times the ReLU mask when it applies one.
 */
const NCHWC_RULES: Record<string, Rule> = {
  ReorderInput: linearInFirst,
  ReorderOutput: linearInFirst,
  Conv: (e, n, t) => {
    const raw = attr(n, 'activation')?.s;
    const activation = raw ? new TextDecoder().decode(raw) : undefined;
    if (activation !== undefined && activation !== 'Relu')
      throw new Error(`forward mode: blocked Conv node "${n.name}" with activation ${activation} has no rule`);
    let bias = t[2];
    let acc = t[3];
    for (const [a, b] of [
      [t[0], input(n, 1)],
      [input(n, 0), t[1]],
    ] as const) {
      if (a === undefined || b === undefined) continue;
      const extra = acc !== undefined ? [bias ?? '', acc] : bias !== undefined ? [bias] : [];
      acc = e.like(n, [a, b, ...extra], ['activation', 'activation_params']);
      bias = undefined;
    }
    if (bias !== undefined) throw new Error(`forward mode: blocked Conv node "${n.name}": a tangent on the bias alone has no rule`);
    return [activation === 'Relu' ? e.node('Mul', [acc!, reluMask(e, output(n))]) : acc];
  },
};

/** Operators whose results carry no tangent whatever their inputs do. */
const CONSTANT = new Set([
  'Shape',
  'Size',
  'ConstantOfShape',
  'OneHot',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Equal',
  'Not',
  'And',
  'Or',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Range',
  'EyeLike',
  'IsNaN',
  'IsInf',
]);

const DOMAINS: Record<string, Record<string, Rule>> = { 'com.microsoft.nchwc': NCHWC_RULES };

/** The operators this module can differentiate (other domains' as domain:op). */
export const FORWARD_MODE_OPS: readonly string[] = [
  ...Object.keys(RULES),
  ...CONSTANT,
  ...Object.entries(DOMAINS).flatMap(([d, rules]) => Object.keys(rules).map((op) => `${d}:${op}`)),
].sort();

/** `model` (ModelProto bytes) with tangent inputs for `seeds` and tangent outputs for `outputs`. */
export function forwardMode(model: Uint8Array, o: ForwardModeOptions): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  const g = m.graph!;
  g.node ??= [];
  g.input ??= [];
  g.output ??= [];
  g.initializer ??= [];
  const e = new Emitter();
  const tangents = new Map<string, string>();
  const inputs = new Map(g.input!.map((v) => [v.name!, v]));
  const newInputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const s of o.seeds) {
    const v = inputs.get(s);
    if (!v) throw new Error(`forward mode: no graph input "${s}" to seed`);
    if (!FLOAT_TYPES.has(v.type?.tensorType?.elemType ?? 0)) throw new Error(`forward mode: graph input "${s}" is not a float tensor`);
    newInputs.push({ ...v, name: tangentName(s) });
    tangents.set(s, tangentName(s));
  }
  const merged: Node[] = [];
  for (const n of g.node!) {
    const t = n.input!.map((x) => tangents.get(x));
    merged.push(n);
    const standard = !n.domain || n.domain === 'ai.onnx';
    if (t.every((x) => x === undefined) || (standard && CONSTANT.has(n.opType!))) continue;
    const rule = standard ? RULES[n.opType!] : DOMAINS[n.domain!]?.[n.opType!];
    const op = standard ? n.opType : `${n.domain}:${n.opType}`;
    if (!rule) throw new Error(`forward mode: no rule for ${op} (node "${n.name}"); rules exist for ${FORWARD_MODE_OPS.join(', ')}`);
    const start = e.nodes.length;
    const out = rule(e, n, t);
    merged.push(...e.nodes.splice(start));
    out.forEach((tan, i) => {
      if (tan !== undefined && n.output![i]) tangents.set(n.output![i]!, tan);
    });
  }
  const outputs = new Map(g.output!.map((v) => [v.name!, v]));
  const newOutputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const name of o.outputs) {
    const v = outputs.get(name);
    if (!v) throw new Error(`forward mode: no graph output "${name}"`);
    const start = e.nodes.length;
    const tan = tangents.get(name) ?? e.zerosLike(name);
    merged.push(...e.nodes.splice(start), { opType: 'Identity', name: `jvp_out_${name}`, input: [tan], output: [tangentName(name)] });
    newOutputs.push({ ...v, name: tangentName(name) });
  }
  const kept = [
    ...(o.keep ?? []).map((k) => {
      const v = outputs.get(k);
      if (!v) throw new Error(`forward mode: no graph output "${k}" to keep`);
      return v;
    }),
    ...newOutputs,
  ];
  // Only what the kept outputs need.
  const needed = new Set(kept.map((v) => v.name!));
  const live: Node[] = [];
  for (let i = merged.length - 1; i >= 0; i--) {
    const n = merged[i]!;
    if (!n.output!.some((x) => needed.has(x))) continue;
    live.push(n);
    for (const x of n.input!) needed.add(x);
  }
  g.node = live.reverse();
  g.initializer = [...g.initializer!, ...e.initializers].filter((t) => needed.has(t.name!));
  g.input = [...g.input!, ...newInputs].filter((v) => needed.has(v.name!));
  g.output = kept;
  return onnx.ModelProto.encode(m).finish();
}
