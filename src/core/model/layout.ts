// Layout twins for layers that do not care about layout. A value may also exist blocked
// (NCHWc, after a blocked convolution) or transposed (feature-major, after a wide dense
// layer); an elementwise or per-channel layer should compute in that form and hand it on,
// rather than convert back and forth. `layoutOf` picks the form for a set of inputs and
// says how per-channel vectors broadcast and which axes per-channel statistics reduce; the
// layer computes once, and `out` returns the plain value with the twin recorded.
import type { GraphBuilder } from '../onnx/graph.ts';
import { NCHWC, unblock } from '../onnx/nchwc.ts';
import type { Shape } from './layer.ts';

export type LayoutName = 'plain' | 'nchwc' | 'featureMajor';

export interface View {
  readonly layout: LayoutName;
  /**
   * The inputs, in this layout. onnxruntime's blocked tensors are 4-D [N, C, H, W] with the
   * memory of [N, C/B, H, W, B]; for per-channel work (`channelwise`) they are viewed 5-D.
   */
  readonly values: readonly string[];
  /** Shape that a per-channel vector [C] (per-feature [F]) takes to broadcast against the values. */
  readonly perChannel: readonly number[];
  /** Axes that per-channel statistics reduce over (batch and space). */
  readonly reduceAxes: readonly number[];
  /**
   * Per-channel mean (or sum) of a value in this layout, shaped `perChannel`. Over batch and
   * space it reduces space first, then the batch: onnxruntime's one-pass reduction over
   * non-adjacent axes of the blocked layout adds 100k values one after another (a mean off by
   * 1e-5 of σ at batch 128, 28x28); in two stages its errors stay near float32 rounding.
   */
  reduce(op: 'ReduceMean' | 'ReduceSum', v: string): string;
  /**
   * scale·v + shift (+ addend), per channel: `scale` and `shift` are [C] vectors (either may
   * be omitted), `addend` a value in this layout. On NCHWc one depthwise 1x1 blocked
   * convolution (bias = shift, `Sum` = addend): a single pass over the data, where Mul and
   * Add broadcasting a [C/B, B] vector take one pass each at a fraction of the speed. A ReLU
   * after it fuses into the same convolution (activation.ts).
   */
  affine(v: string, scale: string | undefined, shift: string | undefined, addend?: string): string;
  /** The plain value of a result computed in this layout, its twin recorded for the next layer. */
  out(y: string): string;
}

const transpose = (g: GraphBuilder, v: string) => g.node('Transpose', [v], { perm: [1, 0] });

/**
 * Which inputs must already exist in a layout for a layer to compute in it: `all` (the
 * default: no conversion is added), or `any` (the others are converted; for layers whose
 * result the next layer wants in that layout anyway, such as a residual sum or a batch norm
 * between blocked convolutions).
 */
export type Policy = 'all' | 'any';

/**
 * The layout to compute `xs` (all of per-example `shape`) in: blocked when the inputs
 * already are (see Policy) and the channels fill whole blocks, feature-major likewise for
 * flat values, else plain.
 */
/** A reduction over `axes` (keeping them), space before batch when both are reduced. */
function reducer(g: GraphBuilder, axes: readonly number[]): View['reduce'] {
  const once = (op: string, v: string, a: readonly number[]) =>
    op === 'ReduceSum' ? g.node(op, [v, g.ints(a)], { keepdims: 1 }) : g.node(op, [v], { axes: [...a], keepdims: 1 });
  return (op, v) => (axes.length > 1 && axes[0] === 0 ? once(op, once(op, v, axes.slice(1)), [0]) : once(op, v, axes));
}

/** scale·v + shift + addend with [C] vectors reshaped to broadcast as `perChannel`. */
function broadcastAffine(g: GraphBuilder, perChannel: readonly number[]): View['affine'] {
  return (v, scale, shift, addend) => {
    const shaped = (u: string) => g.node('Reshape', [u, g.ints(perChannel)]);
    let y = scale === undefined ? v : g.node('Mul', [v, shaped(scale)]);
    if (shift !== undefined) y = g.node('Add', [y, shaped(shift)]);
    return addend === undefined ? y : g.node('Add', [y, addend]);
  };
}

export function layoutOf(g: GraphBuilder, xs: readonly string[], shape: Shape, policy: Policy = 'all', channelwise = true): View {
  const block = g.target.nchwcBlock;
  const c = shape[0]!;
  const has = (layout: 'nchwc' | 'featureMajor') => (policy === 'all' ? xs.every((x) => g.twin(x, layout)) : xs.some((x) => g.twin(x, layout)));
  if (shape.length === 3 && block > 0 && c % block === 0 && has('nchwc')) {
    const [, h, w] = shape as [number, number, number];
    const blocked = xs.map((x) => g.twin(x, 'nchwc') ?? g.node(`${NCHWC}:ReorderInput`, [x]));
    const made4 = new Map<string, string>();
    return {
      layout: 'nchwc',
      values: channelwise ? blocked.map((b) => g.node('Reshape', [b, g.ints([0, c / block, h, w, block])])) : blocked,
      perChannel: [1, c / block, 1, 1, block],
      reduceAxes: [0, 2, 3],
      reduce: reducer(g, [0, 2, 3]),
      affine: (v, scale, shift, addend) => {
        const four = (u: string) => (channelwise ? g.node('Reshape', [u, g.ints([0, c, h, w])]) : u);
        const filter = g.node('Reshape', [scale ?? g.constant('float32', [c], new Array<number>(c).fill(1)), g.ints([c, 1, 1, 1])]);
        // The bias is optional only before the Sum input: a zero bias stands in then.
        const bias = shift ?? (addend === undefined ? undefined : g.constant('float32', [c], new Array<number>(c).fill(0)));
        const inputs = [four(v), filter, ...(bias === undefined ? [] : [bias]), ...(addend === undefined ? [] : [four(addend)])];
        const y = g.node(`${NCHWC}:Conv`, inputs, { group: c, kernel_shape: [1, 1] });
        if (!channelwise) return y;
        const y5 = g.node('Reshape', [y, g.ints([0, c / block, h, w, block])]);
        made4.set(y5, y);
        return y5;
      },
      out: (yb) => {
        // The convolution's own output, not a reshape of it, so that the layers after can
        // fuse into that node (a ReLU, a residual sum).
        const b4 = channelwise ? (made4.get(yb) ?? g.node('Reshape', [yb, g.ints([0, c, h, w])])) : yb;
        const y = unblock(g, b4, c);
        g.setTwin(y, 'nchwc', b4);
        return y;
      },
    };
  }
  if (shape.length === 1 && has('featureMajor')) {
    return {
      layout: 'featureMajor',
      values: xs.map((x) => g.twin(x, 'featureMajor') ?? transpose(g, x)),
      perChannel: [c, 1],
      reduceAxes: [1],
      reduce: reducer(g, [1]),
      affine: broadcastAffine(g, [c, 1]),
      out: (yT) => {
        const y = transpose(g, yT);
        g.setTwin(y, 'featureMajor', yT);
        return y;
      },
    };
  }
  return {
    layout: 'plain',
    values: xs,
    perChannel: shape.length === 3 ? [1, c, 1, 1] : [1, ...shape],
    reduceAxes: shape.length === 3 ? [0, 2, 3] : [0],
    reduce: reducer(g, shape.length === 3 ? [0, 2, 3] : [0]),
    affine: broadcastAffine(g, shape.length === 3 ? [1, c, 1, 1] : [1, ...shape]),
    out: (y) => y,
  };
}

/**
 * a + b in whichever layout they share. On NCHWc, when one of them comes straight from a
 * blocked convolution with no `Sum` input and no activation, and nothing else has read it
 * (in either layout), the other becomes that convolution's `Sum`: the sum costs no pass of
 * its own, and a ReLU after it fuses into the same node (a residual block's batch norm, sum
 * and ReLU in one pass; an input gradient and the shortcut's gradient likewise).
 */
export function addValues(g: GraphBuilder, xs: readonly [string, string], shape: Shape): string {
  const view = layoutOf(g, xs, shape, 'any', false);
  if (view.layout === 'nchwc') {
    for (const i of [0, 1]) {
      const blocked = view.values[i]!;
      const made = g.recipe(blocked);
      const alone = !g.isUsed(blocked);
      if (made?.op === `${NCHWC}:Conv` && made.inputs.length < 4 && made.attrs.activation === undefined && alone) {
        const bias = made.inputs[2] ?? g.constant('float32', [shape[0]!], new Array<number>(shape[0]!).fill(0));
        return view.out(g.node(made.op, [made.inputs[0]!, made.inputs[1]!, bias, view.values[1 - i]!], made.attrs));
      }
    }
  }
  return view.out(g.node('Add', [...view.values]));
}

/** Applies an elementwise function of the inputs in whichever layout they share. */
export function elementwise(g: GraphBuilder, xs: readonly string[], shape: Shape, f: (values: readonly string[]) => string, policy: Policy = 'all'): string {
  const view = layoutOf(g, xs, shape, policy, false);
  return view.out(f(view.values));
}
