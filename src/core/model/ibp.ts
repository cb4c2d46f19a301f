// Interval bound propagation (Gowal et al. 2018, "On the effectiveness of interval bound
// propagation for training verifiably robust models"; Mirman et al. 2018) as an ONNX graph:
// for every example, lower bounds on the margins z_y - z_j over the L∞ ball of radius eps
// around x intersected with the image box [0, 1] (the set every attack searches).
// An interval is carried as centre c and radius r (l = c - r, u = c + r); one rule per layer op:
//   linear with an offset (dense, conv2d, batch norm in evaluation form, affine):
//     c' = f(c), r' = |L|·r, the layer run with |weights| and zero offsets
//   linear without one, non-negative (flatten, reshape, slice, zero pad, the ResNet's option-A
//     shortcut, average pooling, dropout in evaluation): c' = f(c), r' = f(r)
//   add: the sum of centres and of radii
//   monotone (relu, leaky relu with slope >= 0, tanh, sigmoid, max pooling): f(l), f(u)
//   gelu (not monotone: its minimum GELU_MIN at x* ≈ -0.7518): upper max(f(l), f(u)), lower
//     f(x*) when x* lies in [l, u], else min(f(l), f(u))
// The last layer, when dense, is folded into the margin (Gowal et al.'s elision): the bound of
// (W_y - W_j)·h + b_y - b_j over h's interval, tighter than l_y - u_j. Sound up to float32
// rounding (a margin bound above 0 by less than about 1e-6 of the logits' scale is not a proof).
import { GraphBuilder, PORTABLE } from '../onnx/graph.ts';
import type { ForwardContext, Layer } from './layer.ts';
import { MODEL_INPUT, type ModelGraph } from './model.ts';

const BATCH = 'N';

/** An interval as centre and radius: l = c - r, u = c + r. */
export interface Interval {
  readonly c: string;
  readonly r: string;
}

/** The point x* where GELU = x·Φ(x) is smallest (Φ(x*) + x*·φ(x*) = 0), and that value. */
export const GELU_ARGMIN = -0.7517915246935645;
export const GELU_MIN = -0.16997120747990727;

export const evalContext = (buffers: readonly string[], saved: Record<string, string> = {}): ForwardContext => ({
  mode: 'eval',
  buffers,
  noise: [],
  saved,
  updateBuffer: () => {},
});

/** A layer's output interval from its inputs'; `saved` receives what the centre's forward pass saved (for a backward rule). */
export type IntervalRule = (
  g: GraphBuilder,
  layer: Layer,
  ins: readonly Interval[],
  params: readonly string[],
  buffers: readonly string[],
  saved?: Record<string, string>,
) => Interval;
type Rule = IntervalRule;

const zero = (g: GraphBuilder, v: string) => g.node('Mul', [v, g.scalar(0)]);
const abs = (g: GraphBuilder, v: string) => g.node('Abs', [v]);

const weighted: Rule = (g, layer, [x], params, buffers, saved) => ({
  c: layer.forward(g, [x!.c], params, evalContext(buffers, saved)),
  // Weight first, then an optional bias: |W| and no bias.
  r: layer.forward(
    g,
    [x!.r],
    params.map((p, i) => (i === 0 ? abs(g, p) : zero(g, p))),
    evalContext(buffers),
  ),
});

const positiveLinear: Rule = (g, layer, ins, params, buffers, saved) => ({
  c: layer.forward(
    g,
    ins.map((x) => x.c),
    params,
    evalContext(buffers, saved),
  ),
  r: layer.forward(
    g,
    ins.map((x) => x.r),
    params,
    evalContext(buffers),
  ),
});

export function fromBounds(g: GraphBuilder, l: string, u: string): Interval {
  return { c: g.node('Mul', [g.node('Add', [l, u]), g.scalar(0.5)]), r: g.node('Mul', [g.node('Sub', [u, l]), g.scalar(0.5)]) };
}

const monotone: Rule = (g, layer, [x], params, buffers) => {
  const f = (v: string) => layer.forward(g, [v], params, evalContext(buffers));
  return fromBounds(g, f(g.node('Sub', [x!.c, x!.r])), f(g.node('Add', [x!.c, x!.r])));
};

export const IBP_RULES: Record<Layer['kind']['op'], Rule> = {
  dense: weighted,
  conv2d: weighted,
  batchNorm: (g, layer, [x], [gamma, beta], [mean, variance], saved) => ({
    c: layer.forward(g, [x!.c], [gamma!, beta!], evalContext([mean!, variance!], saved)),
    r: layer.forward(g, [x!.r], [abs(g, gamma!), zero(g, beta!)], evalContext([zero(g, mean!), variance!])),
  }),
  affine: (g, layer, [x]) => {
    if (layer.kind.op !== 'affine') throw new Error('ibp: affine rule on another layer');
    const shape = layer.inShapes[0]!;
    const scale = layer.kind.scale.map(Math.abs);
    const s = scale.length === 1 ? g.scalar(scale[0]!) : g.constant('float32', [shape[0]!, ...shape.slice(1).map(() => 1)], scale);
    return { c: layer.forward(g, [x!.c], [], evalContext([])), r: g.node('Mul', [x!.r, s]) };
  },
  flatten: positiveLinear,
  reshape: positiveLinear,
  slice: positiveLinear,
  pad: positiveLinear,
  shortcutA: positiveLinear,
  avgPool2d: positiveLinear,
  globalAvgPool: positiveLinear,
  dropout: positiveLinear,
  add: positiveLinear,
  maxPool2d: monotone,
  activation: (g, layer, ins, params, buffers) => {
    if (layer.kind.op !== 'activation') throw new Error('ibp: activation rule on another layer');
    const { fn, slope } = layer.kind;
    if (fn === 'leakyRelu' && (slope ?? 0.01) < 0) throw new Error(`ibp: leaky relu "${layer.name}" with a negative slope is not monotone`);
    if (fn !== 'gelu') return monotone(g, layer, ins, params, buffers);
    const x = ins[0]!;
    const l = g.node('Sub', [x.c, x.r]);
    const u = g.node('Add', [x.c, x.r]);
    const fl = layer.forward(g, [l], [], evalContext([]));
    const fu = layer.forward(g, [u], [], evalContext([]));
    const inside = g.node('And', [g.node('LessOrEqual', [l, g.scalar(GELU_ARGMIN)]), g.node('GreaterOrEqual', [u, g.scalar(GELU_ARGMIN)])]);
    const lower = g.node('Where', [inside, g.scalar(GELU_MIN), g.node('Min', [fl, fu])]);
    return fromBounds(g, lower, g.node('Max', [fl, fu]));
  },
};

/** The box [x - eps, x + eps] within [0, 1]: the L∞ ball every attack searches, and the smallest box around the L2 one. */
export function inputBox(g: GraphBuilder, x: string, eps: string): Interval {
  return fromBounds(g, g.node('Max', [g.node('Sub', [x, eps]), g.scalar(0)]), g.node('Min', [g.node('Add', [x, eps]), g.scalar(1)]));
}

/** Whether the last layer is a dense one folded into the margin (then its own interval is never needed). */
const foldsHead = (model: ModelGraph) => {
  const head = model.nodes[model.nodes.length - 1]!;
  return head.layer.kind.op === 'dense' && head.inputs.length === 1;
};

/**
 * IBP's lower bounds [N, classes] on z_y - z_j (0 at j = y) from the nodes' intervals (`read`;
 * the last one's only when its layer is not folded), `head` the last layer's parameters.
 */
export function ibpMargin(
  g: GraphBuilder,
  model: ModelGraph,
  read: (node: number) => Interval,
  head: readonly string[],
  y: string,
  numClasses: number,
): string {
  const last = model.nodes.length - 1;
  if (foldsHead(model)) {
    // (W_y - W_j)·c + (b_y - b_j) - |W_y - W_j|·r, with W as [classes, features].
    const h = read(model.nodes[last]!.inputs[0]!);
    const [w, b] = head;
    const wd = g.node('Sub', [g.node('Unsqueeze', [g.node('Gather', [w!, y], { axis: 0 }), g.ints([1])]), g.node('Unsqueeze', [w!, g.ints([0])])]);
    const dot = (m: string, v: string) => g.node('Squeeze', [g.node('MatMul', [m, g.node('Unsqueeze', [v, g.ints([2])])]), g.ints([2])]);
    const margin = g.node('Sub', [dot(wd, h.c), dot(abs(g, wd), h.r)]);
    return b ? g.node('Add', [margin, g.node('Sub', [g.node('Unsqueeze', [g.node('Gather', [b, y], { axis: 0 }), g.ints([1])]), b])]) : margin;
  }
  const z = read(last);
  const onehot = g.node('OneHot', [y, g.constant('int64', [], [numClasses]), g.constant('float32', [2], [0, 1])], { axis: -1 });
  const lowerY = g.node('ReduceSum', [g.node('Mul', [g.node('Sub', [z.c, z.r]), onehot]), g.ints([1])], { keepdims: 1 });
  const bound = g.node('Sub', [lowerY, g.node('Add', [z.c, z.r])]);
  // 0 at j = y (the margin to itself).
  return g.node('Mul', [bound, g.node('Sub', [g.scalar(1), onehot])]);
}

/** A bound graph's inputs (bounds.ts): the weights per node (parameters, buffers), x [N, ...], labels y [N], eps (a scalar). */
export function boundInputs(g: GraphBuilder, model: ModelGraph) {
  return {
    params: model.nodes.map((n) => n.layer.params.map((p) => g.input(p.name, 'float32', p.shape))),
    buffers: model.nodes.map((n) => n.layer.buffers.map((b) => g.input(b.name, 'float32', b.shape))),
    x: g.input('x', 'float32', [BATCH, ...model.inShape]),
    y: g.input('y', 'int64', [BATCH]),
    eps: g.input('eps', 'float32', []),
  };
}

/**
 * The IBP graph of a model: inputs its weights (parameters, then buffers), x, the labels y and
 * eps (a scalar); output `margin` [N, classes], a lower bound on z_y - z_j over the ball (0 at j = y).
 */
export function buildIbpGraph(model: ModelGraph, numClasses: number): Uint8Array {
  const g = new GraphBuilder('optrobust_ibp', PORTABLE);
  const { nodes } = model;
  const { params, buffers, x, y, eps } = boundInputs(g, model);
  const input = inputBox(g, x, eps);
  const last = nodes.length - 1;
  const fold = foldsHead(model);
  const out: Interval[] = [];
  const read = (i: number) => (i === MODEL_INPUT ? input : out[i]!);
  nodes.forEach((node, i) => {
    if (i === last && fold) return;
    out.push(IBP_RULES[node.layer.kind.op](g, node.layer, node.inputs.map(read), params[i]!, buffers[i]!));
  });
  const margin = ibpMargin(g, model, read, params[last]!, y, numClasses);
  g.output(margin, 'margin', 'float32', [BATCH, numClasses]);
  return g.toBytes();
}
