// ReLU; its derivative at 0 is taken as 0, as in PyTorch. Elementwise, so it runs in
// whatever layout its input also exists in (an NCHWc or feature-major twin) and hands
// the same layout on.
import type { GraphBuilder } from '../../onnx/graph.ts';
import { NCHWC, unblock } from '../../onnx/nchwc.ts';
import type { Layer, Shape } from '../layer.ts';

const BOOL = 9;
const FLOAT = 1;

/** The mask (y != 0), equal to (x > 0) as y = max(x, 0): two casts, which onnxruntime vectorises (Greater + Where took twice as long). */
const mask = (g: GraphBuilder, y: string) => g.node('Cast', [g.node('Cast', [y], { to: BOOL })], { to: FLOAT });

export function relu(name: string, inShape: Shape): Layer {
  return {
    name,
    kind: { op: 'relu' },
    inShape,
    outShape: inShape,
    params: [],
    macs: 0,
    forward(g, x) {
      // After a blocked convolution, ReLU runs inside it (MLAS applies it as each output
      // block is written; onnxruntime does not fuse into operators it did not place), and
      // the next convolution reads the blocked result without converting it back.
      const blocked = g.twin(x, 'nchwc');
      if (blocked) {
        const conv = g.recipe(blocked);
        const out =
          conv?.op === `${NCHWC}:Conv` && conv.attrs.activation === undefined
            ? g.node(conv.op, conv.inputs, { ...conv.attrs, activation: 'Relu' })
            : g.node('Relu', [blocked]);
        const y = unblock(g, out, inShape[0]!);
        g.setTwin(y, 'nchwc', out);
        return y;
      }
      const xT = g.twin(x, 'featureMajor');
      if (xT) {
        const yT = g.node('Relu', [xT]);
        const y = g.node('Transpose', [yT], { perm: [1, 0] });
        g.setTwin(y, 'featureMajor', yT);
        return y;
      }
      return g.node('Relu', [x]);
    },
    backward(g, dy, { y }, want) {
      if (!want.dx) return { dparams: [] };
      const dyBlocked = g.twin(dy, 'nchwc');
      const yBlocked = g.twin(y, 'nchwc');
      if (dyBlocked && yBlocked) {
        const dxBlocked = g.node('Mul', [dyBlocked, mask(g, yBlocked)]);
        const dx = unblock(g, dxBlocked, inShape[0]!);
        g.setTwin(dx, 'nchwc', dxBlocked);
        return { dx, dparams: [] };
      }
      const dyT = g.twin(dy, 'featureMajor');
      const yT = g.twin(y, 'featureMajor');
      if (dyT && yT) {
        const dxT = g.node('Mul', [dyT, mask(g, yT)]);
        const dx = g.node('Transpose', [dxT], { perm: [1, 0] });
        g.setTwin(dx, 'featureMajor', dxT);
        return { dx, dparams: [] };
      }
      return { dx: g.node('Mul', [dy, mask(g, y)]), dparams: [] };
    },
  };
}
