// Flatten [N, C, H, W] -> [N, C*H*W]; the backward is the inverse reshape.
import type { Layer, Shape } from '../layer.ts';
import { size, STATELESS } from '../layer.ts';

export function flatten(name: string, inShape: Shape): Layer {
  return {
    name,
    kind: { op: 'flatten' },
    inShapes: [inShape],
    outShape: [size(inShape)],
    ...STATELESS,
    macs: 0,
    forward: (g, [x]) => g.node('Flatten', [x!], { axis: 1 }),
    backward(g, dy, _v, want) {
      return { dxs: [want.dxs[0] ? g.node('Reshape', [dy, g.ints([-1, ...inShape])]) : undefined], dparams: [] };
    },
  };
}
