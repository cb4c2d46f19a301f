// CROWN (Zhang et al. 2018, "Efficient neural network robustness certification with general
// activation functions"), as auto_LiRPA computes it (Xu et al. 2020; compute_bounds with
// method 'backward'), as an ONNX graph: a lower bound on every margin z_y - z_j over the L∞ ball
// within [0, 1], or over the L2 ball, from linear bounds carried backward through the network.
//
// Backward: a lower bound A·v + bias on a linear function of node v's value is carried to v's
// inputs. A linear layer's coefficients go through its own vector-Jacobian product (layer.backward,
// the rule the attacks' gradients use; the batch axis carries examples x specifications) and its
// offset f(0) adds A·f(0). A nonlinear node is bounded by lines, lowD·x + lowB <= f(x) <= upD·x + upB,
// and A+ takes the lower line, A- the upper one. At the image, the box (L∞) or the dual norm
// (L2, the ball alone as auto_LiRPA does) gives the number.
//
// Lines per op: ReLU and leaky ReLU as auto_LiRPA ('adaptive': the upper chord, the lower slope 1
// where u > -l, else 0 or the leak); max pooling with stride = kernel and no padding as auto_LiRPA
// (the input with the largest lower bound below; above it too when its lower bound beats every
// other upper one, else the largest upper bound). Tanh and sigmoid: our own sound lines, both
// with the chord's slope k, offsets the least and greatest f(x) - k·x over [l, u] (at l, u and
// where f' = k). GELU, leaky ReLU with a slope above 1 and other pooling: the node's interval
// (slope 0), which stops the backward pass there.
//
// Intermediate bounds: every node read by a nonlinear one (a pre-activation) is bounded by its own
// backward pass with specifications ±e_i, as auto_LiRPA does, when the coefficient tensor stays
// within `budget` floats per example; above it (wide convolutions) the bound is IBP's from the
// bounds before it, as CROWN-IBP (Zhang et al. 2020) does for every layer. With `tighten` (the
// default), each CROWN bound is intersected with IBP's (auto_LiRPA's compare_crown_with_ibp) and
// the margin is the larger of CROWN's and IBP's: never looser than `ibp`. Without it the graph
// is plain CROWN, for the reference checks. Sound up to float32 rounding, as ibp.ts.
import { GraphBuilder, PORTABLE } from '../onnx/graph.ts';
import { boundInputs, evalContext, fromBounds, IBP_RULES, type Interval, ibpMargin, inputBox } from './ibp.ts';
import { type Layer, type Shape, size } from './layer.ts';
import { MODEL_INPUT, type ModelGraph } from './model.ts';

export type BoundNorm = 'linf' | 'l2';

export interface CrownOptions {
  readonly norm: BoundNorm;
  /** Intersect with IBP at every bound (default true); false is auto_LiRPA's plain CROWN. */
  readonly tighten?: boolean;
  /** Floats per example one intermediate bound's coefficients may take; above it, IBP's bound. */
  readonly budget?: number;
}

export const CROWN_BUDGET = 2 ** 22;
/**
 * Floats one coefficient tensor of a batch may take: sets the batch size (crownBatch). Small
 * batches are faster here, not only leaner (the tensors stay in cache; BENCHMARKS.md).
 */
const BATCH_FLOATS = 2 ** 21;
const BATCH = 'N';

interface Bounds {
  readonly l: string;
  readonly u: string;
}

/** What a backward step leaves: coefficients per input (undefined: none) and a bias [N, S]. */
interface Step {
  readonly dxs: readonly (string | undefined)[];
  readonly bias?: string;
}

/** Lines below and above f on [l, u], elementwise over the node's input [N, ...]. */
interface Lines {
  readonly lowD: string;
  readonly lowB?: string;
  readonly upD: string;
  readonly upB?: string;
}

const isActivation = (layer: Layer) => layer.kind.op === 'activation';
const isNonlinear = (layer: Layer) => layer.kind.op === 'activation' || layer.kind.op === 'maxPool2d';

/** Rank of [N, S, ...shape]: the axes past the first two, summed over for a bias. */
const featureAxes = (shape: Shape) => shape.map((_, i) => i + 2);

/** An interval's two ends. */
function ends(g: GraphBuilder, i: Interval): Bounds {
  return { l: g.node('Sub', [i.c, i.r]), u: g.node('Add', [i.c, i.r]) };
}

/** ReLU / leaky ReLU (slope a in [0, 1]): auto_LiRPA's _relu_upper_bound and 'adaptive' lower slope. */
function reluLines(g: GraphBuilder, { l, u }: Bounds, a: number): Lines {
  const lr = g.node('Min', [l, g.scalar(0)]);
  const ur = g.node('Max', [g.node('Max', [u, g.scalar(0)]), g.node('Add', [lr, g.scalar(1e-8)])]);
  const width = g.node('Sub', [ur, lr]);
  const upD = a === 0 ? g.node('Div', [ur, width]) : g.node('Div', [g.node('Sub', [ur, g.node('Mul', [lr, g.scalar(a)])]), width]);
  const upB =
    a === 0 ? g.node('Neg', [g.node('Mul', [lr, upD])]) : g.node('Add', [g.node('Neg', [g.node('Mul', [lr, upD])]), g.node('Mul', [lr, g.scalar(a)])]);
  const f = (b: string) => g.node('Cast', [b], { to: 1 });
  const active = f(g.node('GreaterOrEqual', [l, g.scalar(0)]));
  const dead = f(g.node('LessOrEqual', [u, g.scalar(0)]));
  const unstable = g.node('Mul', [g.node('Sub', [g.scalar(1), active]), g.node('Sub', [g.scalar(1), dead])]);
  const adaptive = f(g.node('Greater', [upD, g.scalar(0.5)]));
  const slope = a === 0 ? adaptive : g.node('Add', [adaptive, g.node('Mul', [g.node('Sub', [g.scalar(1), adaptive]), g.scalar(a)])]);
  let lowD = g.node('Add', [g.node('Mul', [g.node('Clip', [slope, g.scalar(a), g.scalar(1)]), unstable]), active]);
  if (a > 0) lowD = g.node('Add', [lowD, g.node('Mul', [dead, g.scalar(a)])]);
  return { lowD, upD, upB };
}

/**
 * Tanh and sigmoid: slope k = the chord's (f'(mid) on a tiny interval); offsets the least and
 * greatest f(x) - k·x over l, u and the points in [l, u] where f'(x) = k (f' is even about the
 * centre and falls away from it, so there are at most two: ±t for tanh, logit((1 ± √(1-4k))/2)).
 */
function sShapedLines(g: GraphBuilder, { l, u }: Bounds, fn: 'tanh' | 'sigmoid'): Lines {
  const op = fn === 'tanh' ? 'Tanh' : 'Sigmoid';
  const f = (v: string) => g.node(op, [v]);
  const fl = f(l);
  const fu = f(u);
  const width = g.node('Sub', [u, l]);
  const tiny = g.node('Less', [width, g.scalar(1e-4)]);
  const ym = f(g.node('Mul', [g.node('Add', [l, u]), g.scalar(0.5)]));
  const dMid = fn === 'tanh' ? g.node('Sub', [g.scalar(1), g.node('Mul', [ym, ym])]) : g.node('Mul', [ym, g.node('Sub', [g.scalar(1), ym])]);
  const chord = g.node('Div', [g.node('Sub', [fu, fl]), g.node('Max', [width, g.scalar(1e-12)])]);
  const k = g.node('Where', [tiny, dMid, chord]);
  // Where f' = k: the two points (clamped into [l, u], where they change nothing if outside).
  let p: string;
  if (fn === 'tanh') {
    const t = g.node('Sqrt', [g.node('Clip', [g.node('Sub', [g.scalar(1), k]), g.scalar(0), g.scalar(1 - 1e-7)])]);
    p = g.node('Mul', [g.node('Log', [g.node('Div', [g.node('Add', [g.scalar(1), t]), g.node('Sub', [g.scalar(1), t])])]), g.scalar(0.5)]);
  } else {
    const root = g.node('Sqrt', [g.node('Clip', [g.node('Sub', [g.scalar(1), g.node('Mul', [k, g.scalar(4)])]), g.scalar(0), g.scalar(1 - 1e-7)])]);
    const s = g.node('Mul', [g.node('Add', [g.scalar(1), root]), g.scalar(0.5)]);
    p = g.node('Log', [g.node('Div', [s, g.node('Sub', [g.scalar(1), s])])]);
  }
  const candidates = [l, u, p, g.node('Neg', [p])].map((x) => {
    const xc = g.node('Min', [g.node('Max', [x, l]), u]);
    return g.node('Sub', [f(xc), g.node('Mul', [k, xc])]);
  });
  return { lowD: k, lowB: g.node('Min', candidates), upD: k, upB: g.node('Max', candidates) };
}

export interface CrownCost {
  /** Per node: the floats per example its intermediate bound's coefficients take (0: no bound wanted). */
  readonly perNode: readonly number[];
  /** The largest coefficient tensor per example the graph holds, within the budget. */
  readonly largest: number;
}

/** Which pre-activation bounds CROWN computes within `budget`, and the largest coefficient tensor. */
export function crownCost(model: ModelGraph, numClasses: number, budget = CROWN_BUDGET): CrownCost {
  const { nodes } = model;
  const wanted = new Set<number>();
  for (const n of nodes) if (isNonlinear(n.layer)) for (const j of n.inputs) if (j !== MODEL_INPUT && !isActivation(nodes[j]!.layer)) wanted.add(j);
  const widest: number[] = [];
  let running = size(model.inShape);
  nodes.forEach((n, i) => {
    running = Math.max(running, size(n.layer.outShape));
    widest[i] = running;
  });
  const perNode = nodes.map((n, i) => (wanted.has(i) ? 2 * size(n.layer.outShape) * widest[i]! : 0));
  const last = nodes.length - 1;
  const largest = Math.max(numClasses * widest[last]!, ...perNode.filter((c) => c <= budget));
  return { perNode, largest };
}

/** Examples per run of the CROWN graph: one coefficient tensor of the batch within BATCH_FLOATS. */
export function crownBatch(model: ModelGraph, numClasses: number, budget = CROWN_BUDGET): number {
  return Math.max(1, Math.floor(BATCH_FLOATS / crownCost(model, numClasses, budget).largest));
}

/**
 * The CROWN graph of a model: inputs its weights (parameters, then buffers), x, the labels y and
 * eps (a scalar); output `margin` [N, classes], a lower bound on z_y - z_j over the ball (0 at j = y).
 */
export function buildCrownGraph(model: ModelGraph, numClasses: number, options: CrownOptions): Uint8Array {
  const { norm, tighten = true, budget = CROWN_BUDGET } = options;
  const g = new GraphBuilder('optrobust_crown', PORTABLE);
  const { nodes } = model;
  const { params, buffers, x, y, eps } = boundInputs(g, model);
  const box = inputBox(g, x, eps);
  const cost = crownCost(model, numClasses, budget);
  const shapeOf = (j: number) => (j === MODEL_INPUT ? model.inShape : nodes[j]!.layer.outShape);

  // Forward: intervals node by node (IBP), pre-activations tightened by CROWN as they come.
  const intervals: Interval[] = [];
  const saved: Record<string, string>[] = [];
  const read = (j: number) => (j === MODEL_INPUT ? box : intervals[j]!);
  const steps: ((A: string, S: number) => Step)[] = [];

  const unsqueeze1 = (v: string) => g.node('Unsqueeze', [v, g.ints([1])]);
  const sumFeatures = (v: string, shape: Shape) => g.node('ReduceSum', [v, g.ints(featureAxes(shape))], { keepdims: 0 });
  const split = (A: string) => {
    const pos = g.node('Relu', [A]);
    return { pos, neg: g.node('Sub', [A, pos]) };
  };
  const linesStep = (shape: Shape, lines: Lines) => (A: string) => {
    const { pos, neg } = split(A);
    const dx = g.node('Add', [g.node('Mul', [pos, unsqueeze1(lines.lowD)]), g.node('Mul', [neg, unsqueeze1(lines.upD)])]);
    const terms = [...(lines.lowB ? [g.node('Mul', [pos, unsqueeze1(lines.lowB)])] : []), ...(lines.upB ? [g.node('Mul', [neg, unsqueeze1(lines.upB)])] : [])];
    const bias = terms.length === 0 ? undefined : sumFeatures(terms.length === 1 ? terms[0]! : g.node('Add', terms), shape);
    return { dxs: [dx], bias };
  };
  // The node's own interval as its lines (slope 0): the backward pass stops here.
  const intervalStep = (shape: Shape, out: Bounds) => (A: string) => {
    const { pos, neg } = split(A);
    return { dxs: [undefined], bias: sumFeatures(g.node('Add', [g.node('Mul', [pos, unsqueeze1(out.l)]), g.node('Mul', [neg, unsqueeze1(out.u)])]), shape) };
  };

  const concretize = (A: string): string => {
    const shape = model.inShape;
    if (norm === 'l2') {
      const ax = sumFeatures(g.node('Mul', [A, unsqueeze1(x)]), shape);
      const dual = g.node('Sqrt', [sumFeatures(g.node('Mul', [A, A]), shape)]);
      return g.node('Sub', [ax, g.node('Mul', [dual, eps])]);
    }
    return g.node('Sub', [
      sumFeatures(g.node('Mul', [A, unsqueeze1(box.c)]), shape),
      sumFeatures(g.node('Mul', [g.node('Abs', [A]), unsqueeze1(box.r)]), shape),
    ]);
  };

  /** Lower bound [N, S] of A0·v_target, A0 [N, S, ...shape]. */
  const sweep = (target: number, A0: string, S: number): string => {
    const pending = new Map<number, string>([[target, A0]]);
    const terms: string[] = [];
    let atInput: string | undefined;
    for (let i = target; i >= 0; i--) {
      const A = pending.get(i);
      if (A === undefined) continue;
      const step = steps[i]!(A, S);
      if (step.bias) terms.push(step.bias);
      nodes[i]!.inputs.forEach((j, k) => {
        const d = step.dxs[k];
        if (d === undefined) return;
        if (j === MODEL_INPUT) atInput = atInput === undefined ? d : g.node('Add', [atInput, d]);
        else pending.set(j, pending.has(j) ? g.node('Add', [pending.get(j)!, d]) : d);
      });
    }
    if (atInput !== undefined) terms.push(concretize(atInput));
    if (terms.length === 0) return sumFeatures(g.node('Mul', [A0, g.scalar(0)]), shapeOf(target));
    return terms.length === 1 ? terms[0]! : g.node('Sum', terms);
  };

  nodes.forEach((node, i) => {
    const { layer } = node;
    const ins = node.inputs.map(read);
    saved[i] = {};
    let interval = IBP_RULES[layer.kind.op](g, layer, ins, params[i]!, buffers[i]!, saved[i]);
    intervals[i] = interval;
    steps[i] = backwardStep(i);
    // A pre-activation within the budget: its own CROWN bounds, specifications +e_k then -e_k.
    if (cost.perNode[i]! > 0 && cost.perNode[i]! <= budget) {
      const shape = layer.outShape;
      const m = size(shape);
      const eye = g.node('EyeLike', [g.node('ConstantOfShape', [g.ints([m, m])])]);
      const specs = g.node('Reshape', [g.node('Concat', [eye, g.node('Neg', [eye])], { axis: 0 }), g.ints([1, 2 * m, ...shape])]);
      const A0 = g.node('Expand', [
        specs,
        g.node('Concat', [g.node('Slice', [g.node('Shape', [x]), g.ints([0]), g.ints([1])]), g.ints([2 * m, ...shape])], { axis: 0 }),
      ]);
      const both = sweep(i, A0, 2 * m);
      const back = (start: number) => g.node('Reshape', [g.node('Slice', [both, g.ints([start]), g.ints([start + m]), g.ints([1])]), g.ints([-1, ...shape])]);
      let l = back(0);
      let u = g.node('Neg', [back(m)]);
      if (tighten) {
        const ibp = ends(g, interval);
        l = g.node('Max', [l, ibp.l]);
        u = g.node('Min', [u, ibp.u]);
      }
      interval = fromBounds(g, l, u);
    }
    intervals[i] = interval;
  });

  function backwardStep(i: number): (A: string, S: number) => Step {
    const { layer, inputs } = nodes[i]!;
    const kind = layer.kind;
    if (kind.op === 'activation') {
      const inB = ends(g, read(inputs[0]!));
      const slope = kind.slope ?? 0.01;
      if (kind.fn === 'relu') return linesStep(layer.inShapes[0]!, reluLines(g, inB, 0));
      if (kind.fn === 'leakyRelu' && slope >= 0 && slope <= 1) return linesStep(layer.inShapes[0]!, reluLines(g, inB, slope));
      if (kind.fn === 'tanh' || kind.fn === 'sigmoid') return linesStep(layer.inShapes[0]!, sShapedLines(g, inB, kind.fn));
      return intervalStep(layer.outShape, ends(g, intervals[i]!));
    }
    if (kind.op === 'maxPool2d') {
      const { kernel, stride, pads } = kind.pool;
      const simple = kernel[0] === stride[0] && kernel[1] === stride[1] && pads.every((p) => p === 0);
      if (!simple) return intervalStep(layer.outShape, ends(g, intervals[i]!));
      return maxPoolStep(layer, ends(g, read(inputs[0]!)));
    }
    return linearStep(i);
  }

  function linearStep(i: number): (A: string, S: number) => Step {
    const { layer } = nodes[i]!;
    const out = layer.outShape;
    return (A, S) => {
      const flat = g.node('Reshape', [A, g.ints([-1, ...out])]);
      const rows = g.node('Slice', [g.node('Shape', [flat]), g.ints([0]), g.ints([1])]);
      // Stand-ins for the inputs: a backward rule may read their shape (never their values).
      const xs = layer.inShapes.map((s) => g.node('Expand', [g.scalar(0), g.node('Concat', [rows, g.ints(s)], { axis: 0 })]));
      const back = layer.backward(
        g,
        flat,
        { xs, y: flat, params: params[i]!, buffers: buffers[i]!, noise: [], saved: saved[i]!, mode: 'eval' },
        { dxs: layer.inShapes.map(() => true), dparams: false },
      );
      const dxs = back.dxs.map((d, k) => (d === undefined ? undefined : g.node('Reshape', [d, g.ints([-1, S, ...layer.inShapes[k]!])])));
      if (layer.params.length === 0 && layer.kind.op !== 'affine') return { dxs };
      // The offset: the layer's value at zero input, f(0), weighted by A.
      const zeros = layer.inShapes.map((s) => g.constant('float32', [1, ...s], new Array<number>(size(s)).fill(0)));
      const f0 = layer.forward(g, zeros, params[i]!, evalContext(buffers[i]!));
      return { dxs, bias: sumFeatures(g.node('Mul', [A, unsqueeze1(f0)]), out) };
    };
  }

  function maxPoolStep(layer: Layer, inB: Bounds): (A: string, S: number) => Step {
    if (layer.kind.op !== 'maxPool2d') throw new Error('crown: max-pool rule on another layer');
    const [c, h, w] = layer.inShapes[0]! as [number, number, number];
    const [, ho, wo] = layer.outShape as [number, number, number];
    const [kh, kw] = layer.kind.pool.kernel;
    const ctx = evalContext([]);
    const maxLower = layer.forward(g, [inB.l], [], ctx);
    // 1 at each window's input with the largest lower bound (the pool's own backward routes it).
    const ones = g.node('Add', [g.node('Mul', [maxLower, g.scalar(0)]), g.scalar(1)]);
    const selected = layer.backward(
      g,
      ones,
      { xs: [inB.l], y: maxLower, params: [], buffers: [], noise: [], saved: ctx.saved, mode: 'eval' },
      { dxs: [true], dparams: false },
    ).dxs[0]!;
    const others = g.node('Where', [g.node('Greater', [selected, g.scalar(0)]), g.scalar(-3.4e38), inB.u]);
    const maxOthers = layer.forward(g, [others], [], evalContext([]));
    const linear = g.node('Cast', [g.node('GreaterOrEqual', [maxLower, maxOthers])], { to: 1 });
    const maxUpper = layer.forward(g, [inB.u], [], evalContext([]));
    const constant = g.node('Mul', [g.node('Sub', [g.scalar(1), linear]), maxUpper]);
    const spread = (B: string) => {
      const wide = g.node('Mul', [
        g.node('Reshape', [B, g.ints([0, 0, c, ho, 1, wo, 1])]),
        g.constant('float32', [kh, 1, kw], new Array<number>(kh * kw).fill(1)),
      ]);
      let full = g.node('Reshape', [wide, g.ints([0, 0, c, ho * kh, wo * kw])]);
      if (ho * kh < h || wo * kw < w) full = g.node('Pad', [full, g.ints([0, 0, 0, 0, 0, 0, 0, 0, h - ho * kh, w - wo * kw])]);
      return g.node('Mul', [full, unsqueeze1(selected)]);
    };
    return (A) => {
      const { pos, neg } = split(A);
      const dx = spread(g.node('Add', [pos, g.node('Mul', [neg, unsqueeze1(linear)])]));
      return { dxs: [dx], bias: sumFeatures(g.node('Mul', [neg, unsqueeze1(constant)]), layer.outShape) };
    };
  }

  // The margins: specifications e_y - e_j on the logits, carried back from the last node.
  const last = nodes.length - 1;
  const onehot = g.node('OneHot', [y, g.constant('int64', [], [numClasses]), g.constant('float32', [2], [0, 1])], { axis: -1 });
  const eye = g.constant(
    'float32',
    [numClasses, numClasses],
    Array.from({ length: numClasses * numClasses }, (_, k) => (k % (numClasses + 1) === 0 ? 1 : 0)),
  );
  const C = g.node('Sub', [g.node('Unsqueeze', [onehot, g.ints([1])]), g.node('Unsqueeze', [eye, g.ints([0])])]);
  let margin = sweep(last, C, numClasses);
  if (tighten) margin = g.node('Max', [margin, ibpMargin(g, model, read, params[last]!, y, numClasses)]);
  g.output(margin, 'margin', 'float32', [BATCH, numClasses]);
  return g.toBytes();
}
