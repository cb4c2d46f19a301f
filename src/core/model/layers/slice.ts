// Per-example slicing and constant padding (an imported graph's Slice and Pad; the option-A
// shortcut of a CIFAR ResNet is a strided spatial slice and a channel pad).
//   slice  y = x[start : end : step] per axis;  dx: dy put back at those positions, zeros
//          elsewhere (a per-channel 1x1 transposed convolution places every step-th row and
//          column, Pad adds the offsets)
//   pad    y = x with `before`/`after` zeros per axis;  dx = the corresponding slice of dy
import type { GraphBuilder } from '../../onnx/graph.ts';
import type { Layer, Shape } from '../layer.ts';
import { STATELESS } from '../layer.ts';

export interface SliceAxis {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly step: number;
}

/** Slices a [C, H, W] or [F] value; axes not listed are kept whole. Steps > 1 only on the spatial axes. */
export function slice(name: string, inShape: Shape, axes: readonly (SliceAxis | null)[]): Layer {
  if (axes.length !== inShape.length) throw new Error(`slice layer "${name}": ${axes.length} axes given for a value of rank ${inShape.length}`);
  const whole = (d: number) => ({ start: 0, end: d, step: 1 });
  const spec = axes.map((a, i) => a ?? whole(inShape[i]!));
  spec.forEach((a, i) => {
    if (!(a.step >= 1 && a.start >= 0 && a.end <= inShape[i]! && a.start < a.end))
      throw new Error(`slice layer "${name}": axis ${i + 1} slice ${a.start}:${a.end}:${a.step} does not fit ${inShape[i]}`);
    if (a.step > 1 && (inShape.length !== 3 || i === 0))
      throw new Error(`slice layer "${name}": steps above 1 are supported on the spatial axes of [C, H, W] only`);
  });
  const outShape = spec.map((a) => Math.ceil((a.end - a.start) / a.step));
  return {
    name,
    kind: { op: 'slice', axes: spec },
    inShapes: [inShape],
    outShape,
    ...STATELESS,
    macs: 0,
    forward: (g, [x]) =>
      g.node('Slice', [
        x!,
        g.ints(spec.map((a) => a.start)),
        g.ints(spec.map((a) => a.end)),
        g.ints(spec.map((_, i) => i + 1)),
        g.ints(spec.map((a) => a.step)),
      ]),
    backward(g, dy, _v, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      let d = dy;
      // Strided spatial axes: spread dy to every step-th position (exact zeros between).
      if (inShape.length === 3 && (spec[1]!.step > 1 || spec[2]!.step > 1)) {
        const c = outShape[0]!;
        const [sh, sw] = [spec[1]!.step, spec[2]!.step];
        d = g.node('ConvTranspose', [d, g.constant('float32', [c, 1, 1, 1], new Array<number>(c).fill(1))], { group: c, strides: [sh, sw] });
      }
      // Then zeros before and after the slice on every axis.
      const spread = spec.map((a, i) => (a.step > 1 ? (outShape[i]! - 1) * a.step + 1 : outShape[i]!));
      const before = spec.map((a) => a.start);
      const after = spec.map((a, i) => inShape[i]! - a.start - spread[i]!);
      return { dxs: [pad(g, d, before, after)], dparams: [] };
    },
  };
}

/** Zero padding of a per-example value: `before` and `after` per axis. */
export function padLayer(name: string, inShape: Shape, before: readonly number[], after: readonly number[]): Layer {
  if (before.length !== inShape.length || after.length !== inShape.length)
    throw new Error(`pad layer "${name}": pads for ${before.length} axes given for a value of rank ${inShape.length}`);
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0))
    throw new Error(`pad layer "${name}": pads must be non-negative integers (cropping is a slice)`);
  const outShape = inShape.map((d, i) => d + before[i]! + after[i]!);
  return {
    name,
    kind: { op: 'pad', before: [...before], after: [...after] },
    inShapes: [inShape],
    outShape,
    ...STATELESS,
    macs: 0,
    forward: (g, [x]) => pad(g, x!, before, after),
    backward: (g, dy, _v, want) => ({
      dxs: [
        want.dxs[0] ? g.node('Slice', [dy, g.ints(before), g.ints(inShape.map((d, i) => before[i]! + d)), g.ints(inShape.map((_, i) => i + 1))]) : undefined,
      ],
      dparams: [],
    }),
  };
}

function pad(g: GraphBuilder, x: string, before: readonly number[], after: readonly number[]): string {
  if ([...before, ...after].every((p) => p === 0)) return x;
  return g.node('Pad', [x, g.ints([0, ...before, 0, ...after])]);
}
