// A fixed per-channel affine map y = x·scale + shift (no parameters): a model's own input
// normalisation, (x − mean)/std, or a constant multiplication found in an imported graph.
// `scale` and `shift` are scalars or one value per channel (the first axis of [C, H, W] or
// [F]). dx = dy·scale.
import type { Layer, Shape } from '../layer.ts';
import { size, STATELESS } from '../layer.ts';

export function affine(name: string, inShape: Shape, scale: readonly number[], shift: readonly number[]): Layer {
  const c = inShape[0]!;
  for (const [what, v] of [
    ['scale', scale],
    ['shift', shift],
  ] as const) {
    if (v.length !== 1 && v.length !== c) throw new Error(`affine layer "${name}": ${what} has ${v.length} values; expected 1 or ${c} (one per channel)`);
  }
  const broadcast = [c, ...inShape.slice(1).map(() => 1)];
  const constant = (g: Parameters<Layer['forward']>[0], v: readonly number[]) => (v.length === 1 ? g.scalar(v[0]!) : g.constant('float32', broadcast, v));
  return {
    name,
    kind: { op: 'affine', scale: [...scale], shift: [...shift] },
    inShapes: [inShape],
    outShape: inShape,
    ...STATELESS,
    macs: size(inShape),
    forward: (g, [x]) => g.node('Add', [g.node('Mul', [x!, constant(g, scale)]), constant(g, shift)]),
    backward: (g, dy, _v, want) => ({ dxs: [want.dxs[0] ? g.node('Mul', [dy, constant(g, scale)]) : undefined], dparams: [] }),
  };
}
