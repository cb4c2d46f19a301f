// Dropout (torch.nn.Dropout): in training mode y = x·mask, where the mask holds 0 with
// probability p and 1/(1 − p) otherwise; identity in evaluation mode. The mask is a graph
// input filled by the training loop from the seed's "dropout" stream (src/run/train/noise.ts),
// so every optimizer of a seed drops the same units at the same step.
import type { Layer, Shape } from '../layer.ts';

export function dropout(name: string, inShape: Shape, p: number): Layer {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout layer "${name}": p = ${p}; expected a probability in [0, 1)`);
  return {
    name,
    kind: { op: 'dropout', p },
    inShapes: [inShape],
    outShape: inShape,
    params: [],
    buffers: [],
    noise: [{ name: `${name}.mask`, shape: inShape, dropProbability: p }],
    macs: 0,
    forward: (g, [x], _p, ctx) => (ctx.mode === 'train' ? g.node('Mul', [x!, ctx.noise[0]!]) : x!),
    backward(g, dy, { noise, mode }, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      return { dxs: [mode === 'train' ? g.node('Mul', [dy, noise[0]!]) : dy], dparams: [] };
    },
  };
}
