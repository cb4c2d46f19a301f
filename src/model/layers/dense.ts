// Dense (PyTorch Linear): y = x Wᵀ + b with W stored as [out, in], as torch does.
import type { Layer, Shape } from '../layer.ts';
import { size } from '../layer.ts';

export function dense(name: string, inShape: Shape, units: number): Layer {
  if (inShape.length !== 1) throw new Error(`dense layer "${name}" needs a flat input, got shape [${inShape.join(', ')}]`);
  const fanIn = inShape[0]!;
  return {
    name,
    kind: { op: 'dense', units },
    inShape,
    outShape: [units],
    params: [
      { name: `${name}.weight`, shape: [units, fanIn], fanIn },
      { name: `${name}.bias`, shape: [units], fanIn },
    ],
    macs: units * size(inShape),
    forward: (g, x, [w, b]) => g.node('Gemm', [x, w!, b!], { transB: 1 }),
    backward(g, dy, { x, params: [w] }, want) {
      const dparams = want.dparams
        ? [g.node('Gemm', [dy, x], { transA: 1 }), g.node('ReduceSum', [dy, g.ints([0])], { keepdims: 0 })]
        : [];
      return { dx: want.dx ? g.node('MatMul', [dy, w!]) : undefined, dparams };
    },
  };
}
