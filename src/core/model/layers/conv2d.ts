// Conv2d (PyTorch semantics: W is [Co, Ci, kh, kw], zero padding, optional bias; any
// kernel, stride, padding and dilation per axis; one group).
//
// Backward:
//   db = Σ_{n,h,w} dy
//   dx = ConvTranspose(dy, W) with the same stride/pads/dilation and, per axis,
//        output_padding = (H + p_before + p_after − d(k − 1) − 1) − (Ho − 1)s, which restores
//        the input size when the forward's floor division dropped rows; or, on the NCHWc
//        kernels when the stride divides the input, s² stride-1 phase convolutions (polyphase.ts).
//   dW[co,ci,i,j] = Σ_{n,oh,ow} dy[n,co,oh,ow] · xpad[n,ci,oh·s+i,ow·s+j]: im2col columns
//        times dy, per example, summed over the batch; the columns come from a Gather of
//        channels-last rows or, for few input channels, from a one-hot convolution. (The
//        textbook form, xᵀ convolved with dyᵀ dilated by s, runs as ci skinny GEMMs that
//        re-pack dy each time: 28 ms for the CNN's conv2 against 22 ms.)
//
// Forward, where MLAS has blocked kernels for the shape (src/core/onnx/nchwc.ts), runs as an NCHWc
// convolution and leaves its blocked output as a twin of y for the next layer to read.
import type { GraphBuilder } from '../../onnx/graph.ts';
import { blockedConvFits, NCHWC, reorderFilter, unblock } from '../../onnx/nchwc.ts';
import type { ConvGeometry, Layer, Shape } from '../layer.ts';
import { polyphaseFits, polyphaseInputGrad } from './polyphase.ts';

/**
 * From this many input channels im2col gathers rows of ci floats from channels-last input;
 * below it, where a Gather of such short rows is slow (6.7 ms for ci = 1 on the CNN's first
 * layer), a one-hot convolution builds the columns. The one-hot convolution costs grow with
 * ci (10 ms for conv2's 32 channels, against 3.8 ms for the Gather).
 */
const COLUMNS_MIN_CHANNELS = 16;

export interface Conv2dOptions {
  readonly channels: number;
  /** Square size, or [height, width]. */
  readonly kernel: number | readonly [number, number];
  readonly stride?: number | readonly [number, number];
  /** Symmetric padding, [height, width] symmetric, or ONNX's [top, left, bottom, right]. */
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  readonly dilation?: number | readonly [number, number];
  /** PyTorch's bias=True by default; convolutions followed by batch norm usually have none. */
  readonly bias?: boolean;
}

export const convOutSize = (n: number, k: number, s: number, padBefore: number, padAfter: number = padBefore, d = 1): number =>
  Math.floor((n + padBefore + padAfter - d * (k - 1) - 1) / s) + 1;

const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0]!, v[1]!]);
const quad = (v: number | readonly number[]): [number, number, number, number] =>
  typeof v === 'number' ? [v, v, v, v] : v.length === 2 ? [v[0]!, v[1]!, v[0]!, v[1]!] : [v[0]!, v[1]!, v[2]!, v[3]!];

/** The whole geometry of a convolution of a [ci, h, w] input. */
export function convGeometry(name: string, inShape: Shape, opts: Conv2dOptions): ConvGeometry {
  if (inShape.length !== 3) throw new Error(`conv2d layer "${name}" needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [ci, h, w] = inShape as [number, number, number];
  const kernel = pair(opts.kernel);
  const stride = pair(opts.stride ?? 1);
  const pads = quad(opts.padding ?? 0);
  const dilation = pair(opts.dilation ?? 1);
  const ho = convOutSize(h, kernel[0], stride[0], pads[0], pads[2], dilation[0]);
  const wo = convOutSize(w, kernel[1], stride[1], pads[1], pads[3], dilation[1]);
  if (ho < 1 || wo < 1) throw new Error(`conv2d layer "${name}": kernel ${kernel.join('x')} with padding [${pads.join(', ')}] does not fit a ${h}x${w} input`);
  return { ci, co: opts.channels, h, w, ho, wo, kernel, stride, pads, dilation };
}

export function conv2d(name: string, inShape: Shape, opts: Conv2dOptions): Layer {
  const geometry = convGeometry(name, inShape, opts);
  const { ci, co, h, w, ho, wo, kernel, stride, pads, dilation } = geometry;
  const [kh, kw] = kernel;
  const bias = opts.bias ?? true;
  const fanIn = ci * kh * kw;
  const init = { kind: 'uniform', fanIn } as const;
  const attrs = { kernel_shape: [kh, kw], strides: [...stride], pads: [...pads], dilations: [...dilation] };
  const square = kh === kw && stride[0] === stride[1] && pads.every((p) => p === pads[0]) && dilation[0] === 1 && dilation[1] === 1;
  return {
    name,
    kind: { op: 'conv2d', geometry, bias },
    inShapes: [inShape],
    outShape: [co, ho, wo],
    params: [{ name: `${name}.weight`, shape: [co, ci, kh, kw], init }, ...(bias ? [{ name: `${name}.bias`, shape: [co], init }] : [])],
    buffers: [],
    noise: [],
    macs: co * ho * wo * fanIn,
    forward(g, [x], [wt, b]) {
      const block = g.target.nchwcBlock;
      const inputs = (input: string, filter: string) => (b ? [input, filter, b] : [input, filter]);
      if (!blockedConvFits(block, ci, co)) return g.node('Conv', inputs(x!, wt!), attrs);
      const input = ci < block ? x! : (g.twin(x!, 'nchwc') ?? g.node(`${NCHWC}:ReorderInput`, [x!]));
      const out = g.node(`${NCHWC}:Conv`, inputs(input, reorderFilter(g, wt!, [co, ci, kh, kw], block)), attrs);
      const y = unblock(g, out, co);
      g.setTwin(y, 'nchwc', out);
      return y;
    },
    backward(g, dy, { xs: [x], params: [wt] }, want) {
      let dx: string | undefined;
      const phases = square ? { ci, co, h, w, ho, wo, k: kh, s: stride[0], p: pads[0] } : undefined;
      if (want.dxs[0] && phases && polyphaseFits(g.target.nchwcBlock, phases)) dx = polyphaseInputGrad(g, dy, wt!, phases);
      else if (want.dxs[0]) {
        const outputPadding = [0, 1].map((a) => [h, w][a]! + pads[a]! + pads[a + 2]! - dilation[a]! * (kernel[a]! - 1) - 1 - ([ho, wo][a]! - 1) * stride[a]!);
        dx = g.node('ConvTranspose', [dy, wt!], { ...attrs, output_padding: outputPadding });
      }
      if (!want.dparams) return { dxs: [dx], dparams: [] };
      // dy's blocked twin, viewed as [N, Co/B, Ho·Wo, B], when the layer above made one.
      const blocked = g.twin(dy, 'nchwc');
      const B = g.target.nchwcBlock;
      const rows = blocked === undefined ? undefined : g.node('Reshape', [blocked, g.ints([0, co / B, ho * wo, B])]);
      const dw = ci >= COLUMNS_MIN_CHANNELS ? weightGradFromColumns(g, x!, dy) : weightGradFromTapColumns(g, x!, dy, rows);
      if (!bias) return { dxs: [dx], dparams: [dw] };
      // Spatial axes first, then the batch: half the time of one ReduceSum over (0, 2, 3).
      const db = rows
        ? sumOverBatch(g, g.node('ReduceSum', [rows, g.ints([2])], { keepdims: 0 }), co)
        : sumOverBatch(g, g.node('ReduceSum', [dy, g.ints([2, 3])], { keepdims: 0 }), co);
      return { dxs: [dx], dparams: [dw, db] };
    },
  };

  /**
   * im2col by convolution: a grouped Conv of x with one-hot filters (one per input channel
   * and kernel tap) yields each example's columns [ci·k·k, Ho·Wo] in W's own order; dW is
   * dy [Co, Ho·Wo] times their transpose, summed over the batch. For the CNN's first layer
   * (ci = 1) this took 2.4 ms against 4.3 for convolving xᵀ with dyᵀ (which runs as one
   * skinny GEMM per input channel, re-packing dy each time, after transposing it).
   */
  function weightGradFromTapColumns(g: GraphBuilder, x: string, dy: string, dyRows: string | undefined): string {
    const taps = kh * kw;
    const oneHot: number[] = [];
    for (let c = 0; c < ci; c++) for (let t = 0; t < taps; t++) for (let u = 0; u < taps; u++) oneHot.push(t === u ? 1 : 0);
    const filters = g.constant('float32', [ci * taps, 1, kh, kw], oneHot);
    const columns = g.node('Conv', [x, filters], { ...attrs, group: ci });
    const flat = g.node('Reshape', [columns, g.ints([0, ci * taps, ho * wo])]);
    if (dyRows) {
      // From dy's blocked rows [N, Co/B, Ho·Wo, B]: columns · rows gives [N, Co/B, ci·k·k, B],
      // which reorders to [Co, ci·k·k] once summed; dy never goes back to NCHW.
      const B = g.target.nchwcBlock;
      const perExample = g.node('MatMul', [g.node('Unsqueeze', [flat, g.ints([1])]), dyRows]);
      const summed = g.node('Reshape', [sumOverBatch(g, perExample, co * ci * taps), g.ints([co / B, ci * taps, B])]);
      return g.node('Reshape', [g.node('Transpose', [summed], { perm: [0, 2, 1] }), g.ints([co, ci, kh, kw])]);
    }
    const perExample = g.node('MatMul', [g.node('Reshape', [dy, g.ints([0, co, ho * wo])]), g.node('Transpose', [flat], { perm: [0, 2, 1] })]);
    return g.node('Reshape', [sumOverBatch(g, perExample, co * ci * taps), g.ints([co, ci, kh, kw])]);
  }

  /**
   * im2col in channels-last order: one Gather of ci-float rows from the padded NHWC input
   * gives each example's columns [Ho·Wo, k·k·ci]; dW is then a batched MatMul with
   * dy [Co, Ho·Wo] summed over the batch.
   */
  function weightGradFromColumns(g: GraphBuilder, x: string, dy: string): string {
    const [pt, pl, pb, pr] = pads;
    const hp = h + pt + pb;
    const wp = w + pl + pr;
    const blocked = g.twin(x, 'nchwc');
    const nhwc = blocked ? unblock(g, blocked, ci, true) : g.node('Transpose', [x], { perm: [0, 2, 3, 1] });
    const padded = pads.some((p) => p > 0) ? g.node('Pad', [nhwc, g.ints([0, pt, pl, 0, 0, pb, pr, 0])]) : nhwc;
    const rows: number[] = [];
    for (let oh = 0; oh < ho; oh++)
      for (let ow = 0; ow < wo; ow++)
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) rows.push((oh * stride[0] + i * dilation[0]) * wp + ow * stride[1] + j * dilation[1]);
    const table = g.node('Reshape', [padded, g.ints([0, hp * wp, ci])]);
    const gathered = g.node('Gather', [table, g.constant('int64', [rows.length], rows)], { axis: 1 });
    const columns = g.node('Reshape', [gathered, g.ints([0, ho * wo, kh * kw * ci])]);
    const perExample = g.node('MatMul', [g.node('Reshape', [dy, g.ints([0, co, ho * wo])]), columns]);
    const summed = sumOverBatch(g, perExample, co * kh * kw * ci);
    return g.node('Transpose', [g.node('Reshape', [summed, g.ints([co, kh, kw, ci])])], { perm: [0, 3, 1, 2] });
  }
}

/**
 * Σ over the batch (axis 0) of `t`, returned flat [size]: a row of ones times t as [N, size].
 * MLAS streams that product; ReduceSum over axis 0 of the CNN's [128, 64, 576] per-example
 * weight gradients took 1.85 ms against 0.43.
 */
function sumOverBatch(g: GraphBuilder, t: string, size: number): string {
  const batch = g.node('Slice', [g.node('Shape', [t]), g.ints([0]), g.ints([1])]);
  const ones = g.node('Expand', [g.constant('float32', [1, 1], [1]), g.node('Concat', [g.ints([1]), batch], { axis: 0 })]);
  return g.node('Reshape', [g.node('MatMul', [ones, g.node('Reshape', [t, g.ints([-1, size])])]), g.ints([size])]);
}
