// The residual sum y = a + b of two values of one shape; each input's gradient is dy itself.
// Runs in the layout either input already has (converting the other), since the layer after
// a residual block, a convolution, reads that layout anyway; on NCHWc it usually fuses into
// the convolution that made one input (layout.ts, addValues).
import type { Layer, Shape } from '../layer.ts';
import { STATELESS } from '../layer.ts';
import { addValues } from '../layout.ts';

export function add(name: string, a: Shape, b: Shape): Layer {
  if (a.join() !== b.join()) throw new Error(`add layer "${name}": inputs of shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be added`);
  return {
    name,
    kind: { op: 'add' },
    inShapes: [a, b],
    outShape: a,
    ...STATELESS,
    macs: 0,
    forward: (g, [x, y]) => addValues(g, [x!, y!], a),
    backward: (_g, dy, _v, want) => ({ dxs: want.dxs.map((w) => (w ? dy : undefined)), dparams: [] }),
  };
}
