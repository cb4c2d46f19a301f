// ReLU; its derivative at 0 is taken as 0, as in PyTorch.
import { NCHWC, unblock } from '../../onnx/nchwc.ts';
import type { Layer, Shape } from '../layer.ts';

const BOOL = 9;
const FLOAT = 1;

export function relu(name: string, inShape: Shape): Layer {
  return {
    name,
    kind: { op: 'relu' },
    inShape,
    outShape: inShape,
    params: [],
    macs: 0,
    forward(g, x) {
      // After a blocked convolution, apply ReLU to its NCHWc twin so the next convolution
      // reads blocked data without converting it back; better still, inside the convolution
      // (MLAS applies it as each output block is written; onnxruntime does not fuse it).
      const blocked = g.blocked(x);
      if (!blocked) return g.node('Relu', [x]);
      const conv = g.recipe(blocked);
      const out =
        conv?.op === `${NCHWC}:Conv` && conv.attrs.activation === undefined
          ? g.node(conv.op, conv.inputs, { ...conv.attrs, activation: 'Relu' })
          : g.node('Relu', [blocked]);
      const y = unblock(g, out, inShape[0]!);
      g.setBlocked(y, out);
      return y;
    },
    backward(g, dy, { y }, want) {
      if (!want.dx) return { dparams: [] };
      // The mask is (y != 0), which equals (x > 0) because y = max(x, 0). Built from two
      // casts and applied by Mul because onnxruntime vectorises those; Greater + Where
      // took twice as long over the CNN's activations.
      const mask = g.node('Cast', [g.node('Cast', [y], { to: BOOL })], { to: FLOAT });
      return { dx: g.node('Mul', [dy, mask]), dparams: [] };
    },
  };
}
