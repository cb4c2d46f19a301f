// A per-example reshape (the batch axis stays first): flatten, or an imported graph's
// Reshape/Squeeze/Unsqueeze. The backward is the inverse reshape.
import type { Layer, Shape } from '../layer.ts';
import { size, STATELESS } from '../layer.ts';

export function reshape(name: string, inShape: Shape, outShape: Shape): Layer {
  if (size(inShape) !== size(outShape)) throw new Error(`reshape layer "${name}": cannot reshape [${inShape.join(', ')}] to [${outShape.join(', ')}]`);
  return {
    name,
    kind: { op: 'reshape' },
    inShapes: [inShape],
    outShape,
    ...STATELESS,
    macs: 0,
    forward: (g, [x]) => g.node('Reshape', [x!, g.ints([-1, ...outShape])]),
    backward: (g, dy, _v, want) => ({ dxs: [want.dxs[0] ? g.node('Reshape', [dy, g.ints([-1, ...inShape])]) : undefined], dparams: [] }),
  };
}
