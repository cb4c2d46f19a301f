// ReLU; its derivative at 0 is taken as 0, as in PyTorch.
import type { Layer, Shape } from '../layer.ts';

export function relu(name: string, inShape: Shape): Layer {
  return {
    name,
    kind: { op: 'relu' },
    inShape,
    outShape: inShape,
    params: [],
    macs: 0,
    forward: (g, x) => g.node('Relu', [x]),
    backward(g, dy, { y }, want) {
      const zero = g.scalar(0);
      return { dx: want.dx ? g.node('Where', [g.node('Greater', [y, zero]), dy, zero]) : undefined, dparams: [] };
    },
  };
}
