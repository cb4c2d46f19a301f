// Conv2d (PyTorch semantics: W is [Co, Ci, k, k], square kernel, symmetric zero padding).
//
// Backward, with standard ONNX ops only:
//   db = Σ_{n,h,w} dy
//   dx = ConvTranspose(dy, W) with the same stride/pads and
//        output_padding = (H + 2p - k) - (Ho - 1)s, which restores the input size
//        when the forward's floor division dropped rows.
//   dW[co,ci,i,j] = Σ_{n,oh,ow} dy[n,co,oh,ow] · xpad[n,ci,oh·s+i,ow·s+j]: a convolution
//        of xᵀ (channels as batch) with dyᵀ as filters dilated by s, cropped to k×k.
import type { Layer, Shape } from '../layer.ts';

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
    forward: (g, x, [wt, b]) => g.node('Conv', [x, wt!, b!], attrs),
    backward(g, dy, { x, params: [wt] }, want) {
      let dx: string | undefined;
      if (want.dx) {
        const outputPadding = [h + 2 * p - k - (ho - 1) * s, w + 2 * p - k - (wo - 1) * s];
        dx = g.node('ConvTranspose', [dy, wt!], { ...attrs, output_padding: outputPadding });
      }
      if (!want.dparams) return { dx, dparams: [] };
      const xT = g.node('Transpose', [x], { perm: [1, 0, 2, 3] });
      const dyT = g.node('Transpose', [dy], { perm: [1, 0, 2, 3] });
      const full = g.node('Conv', [xT, dyT], { strides: [1, 1], pads: [p, p, p, p], dilations: [s, s] });
      const cropped = g.node('Slice', [full, g.ints([0, 0]), g.ints([k, k]), g.ints([2, 3])]);
      const dw = g.node('Transpose', [cropped], { perm: [1, 0, 2, 3] });
      const db = g.node('ReduceSum', [dy, g.ints([0, 2, 3])], { keepdims: 0 });
      return { dx, dparams: [dw, db] };
    },
  };
}
