// Conv2d (PyTorch semantics: W is [Co, Ci, k, k], square kernel, symmetric zero padding).
//
// Backward, with standard ONNX ops only:
//   db = Σ_{n,h,w} dy
//   dx = ConvTranspose(dy, W) with the same stride/pads and
//        output_padding = (H + 2p - k) - (Ho - 1)s, which restores the input size
//        when the forward's floor division dropped rows.
//   dW[co,ci,i,j] = Σ_{n,oh,ow} dy[n,co,oh,ow] · xpad[n,ci,oh·s+i,ow·s+j], computed one of
//        two ways (see weightGradient below).
//
// Forward, where MLAS has blocked kernels for the shape (src/onnx/nchwc.ts), runs as an NCHWc
// convolution and leaves its blocked output as a twin of y for the next layer to read.
import type { GraphBuilder } from '../../onnx/graph.ts';
import { blockedConvFits, NCHWC, reorderFilter, unblock } from '../../onnx/nchwc.ts';
import type { Layer, Shape } from '../layer.ts';

/**
 * Below this many input channels the weight gradient stays a dilated convolution: gathering
 * columns moves ci floats per copy, and for ci = 1 that took 6.7 ms against the convolution's
 * 2.8 ms (first CNN layer, batch 128). From 32 channels up the columns win (conv2: 22 vs 28 ms).
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
      if (want.dx) {
        const outputPadding = [h + 2 * p - k - (ho - 1) * s, w + 2 * p - k - (wo - 1) * s];
        dx = g.node('ConvTranspose', [dy, wt!], { ...attrs, output_padding: outputPadding });
      }
      if (!want.dparams) return { dx, dparams: [] };
      const dw = ci >= COLUMNS_MIN_CHANNELS ? weightGradFromColumns(g, x, dy) : weightGradAsConv(g, x, dy);
      // Spatial axes first, then the batch: half the time of one ReduceSum over (0, 2, 3).
      const db = sumOverBatch(g, g.node('ReduceSum', [dy, g.ints([2, 3])], { keepdims: 0 }), co);
      return { dx, dparams: [dw, db] };
    },
  };

  /** xᵀ (channels as batch) convolved with dyᵀ as filters dilated by s, cropped to k×k. */
  function weightGradAsConv(g: GraphBuilder, x: string, dy: string): string {
    const xT = g.node('Transpose', [x], { perm: [1, 0, 2, 3] });
    const dyT = g.node('Transpose', [dy], { perm: [1, 0, 2, 3] });
    const full = g.node('Conv', [xT, dyT], { strides: [1, 1], pads: [p, p, p, p], dilations: [s, s] });
    const cropped = g.node('Slice', [full, g.ints([0, 0]), g.ints([k, k]), g.ints([2, 3])]);
    return g.node('Transpose', [cropped], { perm: [1, 0, 2, 3] });
  }

  /**
   * im2col in channels-last order: one Gather of ci-float rows from the padded NHWC input
   * gives each example's columns [Ho·Wo, k·k·ci]; dW is then a batched MatMul with
   * dy [Co, Ho·Wo] summed over the batch. The dilated-convolution form runs as Ci skinny
   * GEMMs (k·k outputs each) that re-pack dy every time.
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
