// The "option A" shortcut of He et al. 2016's CIFAR ResNets: where a block halves the
// plane and widens the channels, the identity is subsampled with the stride and padded
// with zero channels on both sides, adding no parameters (as in the reference
// implementation: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))).
//   y = Pad_c(x[:, ::s, ::s], p before and after)
//   dx = dy[p : p + C] put back at the strided positions, zeros elsewhere (a per-channel
//        1x1 transposed convolution with stride s)
import type { Layer, Shape } from '../layer.ts';
import { STATELESS } from '../layer.ts';

export function shortcutA(name: string, inShape: Shape, outChannels: number, stride: number): Layer {
  if (inShape.length !== 3) throw new Error(`shortcut layer "${name}" needs a [C, H, W] input`);
  const [c, h, w] = inShape as [number, number, number];
  const pad = (outChannels - c) / 2;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`shortcut layer "${name}": cannot pad ${c} channels evenly to ${outChannels}`);
  const ho = Math.ceil(h / stride);
  const wo = Math.ceil(w / stride);
  return {
    name,
    kind: { op: 'shortcutA', stride, padChannels: pad },
    inShapes: [inShape],
    outShape: [outChannels, ho, wo],
    ...STATELESS,
    macs: 0,
    forward(g, [x]) {
      const sub = stride === 1 ? x! : g.node('Slice', [x!, g.ints([0, 0]), g.ints([h, w]), g.ints([2, 3]), g.ints([stride, stride])]);
      return pad === 0 ? sub : g.node('Pad', [sub, g.ints([0, pad, 0, 0, 0, pad, 0, 0])]);
    },
    backward(g, dy, _v, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      const inner = pad === 0 ? dy : g.node('Slice', [dy, g.ints([pad]), g.ints([pad + c]), g.ints([1])]);
      if (stride === 1) return { dxs: [inner], dparams: [] };
      const ones = g.constant('float32', [c, 1, 1, 1], new Array<number>(c).fill(1));
      const outputPadding = [h - 1 - (ho - 1) * stride, w - 1 - (wo - 1) * stride];
      return { dxs: [g.node('ConvTranspose', [inner, ones], { group: c, strides: [stride, stride], output_padding: outputPadding })], dparams: [] };
    },
  };
}
