// Conv2d (PyTorch semantics: W is [Co, Ci, k, k], square kernel, symmetric zero padding).
//
// Backward:
//   db = Σ_{n,h,w} dy
//   dx = ConvTranspose(dy, W) with the same stride/pads and
//        output_padding = (H + 2p - k) - (Ho - 1)s, which restores the input size
//        when the forward's floor division dropped rows; or, on the NCHWc kernels when
//        the stride divides the input, s² stride-1 phase convolutions (polyphase.ts).
//   dW[co,ci,i,j] = Σ_{n,oh,ow} dy[n,co,oh,ow] · xpad[n,ci,oh·s+i,ow·s+j]: im2col columns
//        times dy, per example, summed over the batch; the columns come from a Gather of
//        channels-last rows or, for few input channels, from a one-hot convolution. (The
//        textbook form, xᵀ convolved with dyᵀ dilated by s, runs as ci skinny GEMMs that
//        re-pack dy each time: 28 ms for the CNN's conv2 against 22 ms.)
//
// Forward, where MLAS has blocked kernels for the shape (src/onnx/nchwc.ts), runs as an NCHWc
// convolution and leaves its blocked output as a twin of y for the next layer to read.
import type { GraphBuilder } from '../../onnx/graph.ts';
import { blockedConvFits, NCHWC, reorderFilter, unblock } from '../../onnx/nchwc.ts';
import type { Layer, Shape } from '../layer.ts';
import { polyphaseFits, polyphaseInputGrad, type ConvGeometry } from './polyphase.ts';

/**
 * From this many input channels im2col gathers rows of ci floats from channels-last input;
 * below it, where a Gather of such short rows is slow (6.7 ms for ci = 1 on the CNN's first
 * layer), a one-hot convolution builds the columns. The one-hot convolution costs grow with
 * ci (10 ms for conv2's 32 channels, against 3.8 ms for the Gather).
 */
const COLUMNS_MIN_CHANNELS = 16;

export interface Conv2dOptions {
  readonly channels: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
}

export const convOutSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

export function conv2d(name: string, inShape: Shape, opts: Conv2dOptions): Layer {
  if (inShape.length !== 3) throw new Error(`conv2d layer "${name}" needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [ci, h, w] = inShape as [number, number, number];
  const { channels: co, kernel: k, stride: s = 1, padding: p = 0 } = opts;
  const ho = convOutSize(h, k, s, p);
  const wo = convOutSize(w, k, s, p);
  if (ho < 1 || wo < 1) throw new Error(`conv2d layer "${name}": kernel ${k} with padding ${p} does not fit a ${h}x${w} input`);
  const fanIn = ci * k * k;
  const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] };
  const geometry: ConvGeometry = { ci, co, h, w, ho, wo, k, s, p };
  return {
    name,
    kind: { op: 'conv2d', channels: co, kernel: k, stride: s, padding: p },
    inShape,
    outShape: [co, ho, wo],
    params: [
      { name: `${name}.weight`, shape: [co, ci, k, k], fanIn },
      { name: `${name}.bias`, shape: [co], fanIn },
    ],
    macs: co * ho * wo * fanIn,
    forward(g, x, [wt, b]) {
      const block = g.target.nchwcBlock;
      if (!blockedConvFits(block, ci, co)) return g.node('Conv', [x, wt!, b!], attrs);
      const input = ci < block ? x : (g.twin(x, 'nchwc') ?? g.node(`${NCHWC}:ReorderInput`, [x]));
      const out = g.node(`${NCHWC}:Conv`, [input, reorderFilter(g, wt!, [co, ci, k, k], block), b!], attrs);
      const y = unblock(g, out, co);
      g.setTwin(y, 'nchwc', out);
      return y;
    },
    backward(g, dy, { x, params: [wt] }, want) {
      let dx: string | undefined;
      if (want.dx && polyphaseFits(g.target.nchwcBlock, geometry)) dx = polyphaseInputGrad(g, dy, wt!, geometry);
      else if (want.dx) {
        const outputPadding = [h + 2 * p - k - (ho - 1) * s, w + 2 * p - k - (wo - 1) * s];
        dx = g.node('ConvTranspose', [dy, wt!], { ...attrs, output_padding: outputPadding });
      }
      if (!want.dparams) return { dx, dparams: [] };
      // dy's blocked twin, viewed as [N, Co/B, Ho·Wo, B], when the layer above made one.
      const blocked = g.twin(dy, 'nchwc');
      const B = g.target.nchwcBlock;
      const rows = blocked === undefined ? undefined : g.node('Reshape', [blocked, g.ints([0, co / B, ho * wo, B])]);
      const dw = ci >= COLUMNS_MIN_CHANNELS ? weightGradFromColumns(g, x, dy) : weightGradFromTapColumns(g, x, dy, rows);
      // Spatial axes first, then the batch: half the time of one ReduceSum over (0, 2, 3).
      const db = rows
        ? sumOverBatch(g, g.node('ReduceSum', [rows, g.ints([2])], { keepdims: 0 }), co)
        : sumOverBatch(g, g.node('ReduceSum', [dy, g.ints([2, 3])], { keepdims: 0 }), co);
      return { dx, dparams: [dw, db] };
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
    const taps = k * k;
    const oneHot: number[] = [];
    for (let c = 0; c < ci; c++) for (let t = 0; t < taps; t++) for (let u = 0; u < taps; u++) oneHot.push(t === u ? 1 : 0);
    const filters = g.constant('float32', [ci * taps, 1, k, k], oneHot);
    const columns = g.node('Conv', [x, filters], { ...attrs, group: ci });
    const flat = g.node('Reshape', [columns, g.ints([0, ci * taps, ho * wo])]);
    if (dyRows) {
      // From dy's blocked rows [N, Co/B, Ho·Wo, B]: columns · rows gives [N, Co/B, ci·k·k, B],
      // which reorders to [Co, ci·k·k] once summed; dy never goes back to NCHW.
      const B = g.target.nchwcBlock;
      const perExample = g.node('MatMul', [g.node('Unsqueeze', [flat, g.ints([1])]), dyRows]);
      const summed = g.node('Reshape', [sumOverBatch(g, perExample, co * ci * taps), g.ints([co / B, ci * taps, B])]);
      return g.node('Reshape', [g.node('Transpose', [summed], { perm: [0, 2, 1] }), g.ints([co, ci, k, k])]);
    }
    const perExample = g.node('MatMul', [g.node('Reshape', [dy, g.ints([0, co, ho * wo])]), g.node('Transpose', [flat], { perm: [0, 2, 1] })]);
    return g.node('Reshape', [sumOverBatch(g, perExample, co * ci * taps), g.ints([co, ci, k, k])]);
  }

  /**
   * im2col in channels-last order: one Gather of ci-float rows from the padded NHWC input
   * gives each example's columns [Ho·Wo, k·k·ci]; dW is then a batched MatMul with
   * dy [Co, Ho·Wo] summed over the batch.
   */
  function weightGradFromColumns(g: GraphBuilder, x: string, dy: string): string {
    const hp = h + 2 * p;
    const wp = w + 2 * p;
    const blocked = g.twin(x, 'nchwc');
    const nhwc = blocked ? unblock(g, blocked, ci, true) : g.node('Transpose', [x], { perm: [0, 2, 3, 1] });
    const padded = p > 0 ? g.node('Pad', [nhwc, g.ints([0, p, p, 0, 0, p, p, 0])]) : nhwc;
    const rows: number[] = [];
    for (let oh = 0; oh < ho; oh++)
      for (let ow = 0; ow < wo; ow++)
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) rows.push((oh * s + i) * wp + ow * s + j);
    const table = g.node('Reshape', [padded, g.ints([0, hp * wp, ci])]);
    const gathered = g.node('Gather', [table, g.constant('int64', [rows.length], rows)], { axis: 1 });
    const columns = g.node('Reshape', [gathered, g.ints([0, ho * wo, k * k * ci])]);
    const perExample = g.node('MatMul', [g.node('Reshape', [dy, g.ints([0, co, ho * wo])]), columns]);
    const summed = sumOverBatch(g, perExample, co * k * k * ci);
    return g.node('Transpose', [g.node('Reshape', [summed, g.ints([co, k, k, ci])])], { perm: [0, 3, 1, 2] });
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
