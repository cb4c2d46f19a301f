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
  const once = (op: string, v: string, a: readonly number[]) => (op === 'ReduceSum' ? g.node(op, [v, g.ints(a)], { keepdims: 1 }) : g.node(op, [v], { axes: [...a], keepdims: 1 }));
  return (op, v) => (axes.length > 1 && axes[0] === 0 ? once(op, once(op, v, axes.slice(1)), [0]) : once(op, v, axes));
}

export function layoutOf(g: GraphBuilder, xs: readonly string[], shape: Shape, policy: Policy = 'all', channelwise = true): View {
  const block = g.target.nchwcBlock;
  const c = shape[0]!;
  const has = (layout: 'nchwc' | 'featureMajor') => (policy === 'all' ? xs.every((x) => g.twin(x, layout)) : xs.some((x) => g.twin(x, layout)));
  if (shape.length === 3 && block > 0 && c % block === 0 && has('nchwc')) {
    const [, h, w] = shape as [number, number, number];
    const blocked = xs.map((x) => g.twin(x, 'nchwc') ?? g.node(`${NCHWC}:ReorderInput`, [x]));
    return {
      layout: 'nchwc',
      values: channelwise ? blocked.map((b) => g.node('Reshape', [b, g.ints([0, c / block, h, w, block])])) : blocked,
      perChannel: [1, c / block, 1, 1, block],
      reduceAxes: [0, 2, 3],
      reduce: reducer(g, [0, 2, 3]),
      out: (yb) => {
        const b4 = channelwise ? g.node('Reshape', [yb, g.ints([0, c, h, w])]) : yb;
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
    out: (y) => y,
  };
}

/** Applies an elementwise function of the inputs in whichever layout they share. */
export function elementwise(g: GraphBuilder, xs: readonly string[], shape: Shape, f: (values: readonly string[]) => string, policy: Policy = 'all'): string {
  const view = layoutOf(g, xs, shape, policy, false);
  return view.out(f(view.values));
}
