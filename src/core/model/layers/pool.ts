// Pooling, as torch.nn.MaxPool2d / AvgPool2d (stride defaults to the kernel, no ceil mode)
// and global average pooling (AdaptiveAvgPool2d(1) then flatten).
//
//   maxPool2d      y = max over each window (padding counts as −∞); dx: dy scattered to the
//                  argmax of its window, summed where windows overlap. Ties go to the first
//                  maximum in row-major order, as in PyTorch and onnxruntime alike.
//   avgPool2d      y = mean over each window; count_include_pad = true (torch's default)
//                  divides by kh·kw, false by the window's cells inside the input.
//                  dx = ConvTranspose(dy / divisor, ones) per channel: each input cell gets
//                  dy/divisor from every window that covers it.
//   globalAvgPool  y[c] = mean over H·W;  dx = dy/(H·W) broadcast over the plane.
import type { GraphBuilder } from '../../onnx/graph.ts';
import type { Layer, PoolGeometry, Shape } from '../layer.ts';
import { STATELESS } from '../layer.ts';
import { convOutSize } from './conv2d.ts';
import { layoutOf } from '../layout.ts';

export interface PoolOptions {
  readonly kernel: number | readonly [number, number];
  /** Default: the kernel (PyTorch's default). */
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** avgPool2d only; PyTorch's default true. */
  readonly countIncludePad?: boolean;
}

const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0]!, v[1]!]);
const quad = (v: number | readonly number[]): [number, number, number, number] =>
  typeof v === 'number' ? [v, v, v, v] : v.length === 2 ? [v[0]!, v[1]!, v[0]!, v[1]!] : [v[0]!, v[1]!, v[2]!, v[3]!];

function geometry(name: string, inShape: Shape, o: PoolOptions): { pool: PoolGeometry; c: number; h: number; w: number; ho: number; wo: number } {
  if (inShape.length !== 3) throw new Error(`pooling layer "${name}" needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [c, h, w] = inShape as [number, number, number];
  const kernel = pair(o.kernel);
  const stride = pair(o.stride ?? o.kernel);
  const pads = quad(o.padding ?? 0);
  if (pads[0] * 2 > kernel[0] || pads[1] * 2 > kernel[1])
    throw new Error(`pooling layer "${name}": padding [${pads.join(', ')}] is more than half the ${kernel.join('x')} kernel (PyTorch refuses it too)`);
  const ho = convOutSize(h, kernel[0], stride[0], pads[0], pads[2]);
  const wo = convOutSize(w, kernel[1], stride[1], pads[1], pads[3]);
  if (ho < 1 || wo < 1) throw new Error(`pooling layer "${name}": a ${kernel.join('x')} window does not fit a ${h}x${w} input`);
  return { pool: { kernel, stride, pads }, c, h, w, ho, wo };
}

const poolAttrs = (p: PoolGeometry) => ({ kernel_shape: [...p.kernel], strides: [...p.stride], pads: [...p.pads] });

/** dx of a pooling whose every window spreads dy/divisor evenly: a per-channel transposed convolution with a ones filter. */
function spread(g: GraphBuilder, dy: string, c: number, h: number, w: number, ho: number, wo: number, p: PoolGeometry): string {
  const [kh, kw] = p.kernel;
  const outputPadding = [h + p.pads[0] + p.pads[2] - kh - (ho - 1) * p.stride[0], w + p.pads[1] + p.pads[3] - kw - (wo - 1) * p.stride[1]];
  const ones = g.constant('float32', [c, 1, kh, kw], new Array<number>(c * kh * kw).fill(1));
  return g.node('ConvTranspose', [dy, ones], { ...poolAttrs(p), group: c, output_padding: outputPadding });
}

export function maxPool2d(name: string, inShape: Shape, o: PoolOptions): Layer {
  const { pool, c, ho, wo } = geometry(name, inShape, o);
  return {
    name,
    kind: { op: 'maxPool2d', pool, countIncludePad: false },
    inShapes: [inShape],
    outShape: [c, ho, wo],
    ...STATELESS,
    macs: 0,
    forward(g, [x], _p, ctx) {
      // Indices are flat positions in the whole input tensor (N·C·H·W), as ONNX defines them.
      const [y, indices] = g.nodeN('MaxPool', [x!], 2, poolAttrs(pool));
      ctx.saved.indices = indices!;
      return y!;
    },
    backward(g, dy, { xs: [x], saved }, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      const zeros = g.node('ConstantOfShape', [g.node('Reshape', [g.node('Size', [x!]), g.ints([1])])]);
      const flat = (v: string) => g.node('Reshape', [v, g.ints([-1])]);
      const scattered = g.node('ScatterElements', [zeros, flat(saved.indices!), flat(dy)], { axis: 0, reduction: 'add' });
      return { dxs: [g.node('Reshape', [scattered, g.node('Shape', [x!])])], dparams: [] };
    },
  };
}

export function avgPool2d(name: string, inShape: Shape, o: PoolOptions): Layer {
  const { pool, c, h, w, ho, wo } = geometry(name, inShape, o);
  const countIncludePad = o.countIncludePad ?? true;
  const [kh, kw] = pool.kernel;
  // Cells of each window inside the input (without padding).
  const inside: number[] = [];
  for (let i = 0; i < ho; i++)
    for (let j = 0; j < wo; j++) {
      const r0 = i * pool.stride[0] - pool.pads[0];
      const c0 = j * pool.stride[1] - pool.pads[1];
      inside.push((Math.min(r0 + kh, h) - Math.max(r0, 0)) * (Math.min(c0 + kw, w) - Math.max(c0, 0)));
    }
  return {
    name,
    kind: { op: 'avgPool2d', pool, countIncludePad },
    inShapes: [inShape],
    outShape: [c, ho, wo],
    ...STATELESS,
    macs: c * ho * wo * kh * kw,
    forward: (g, [x]) => g.node('AveragePool', [x!], { ...poolAttrs(pool), count_include_pad: countIncludePad ? 1 : 0 }),
    backward(g, dy, _v, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      const divisor = countIncludePad ? g.scalar(kh * kw) : g.constant('float32', [1, 1, ho, wo], inside);
      return { dxs: [spread(g, g.node('Div', [dy, divisor]), c, h, w, ho, wo, pool)], dparams: [] };
    },
  };
}

export function globalAvgPool(name: string, inShape: Shape): Layer {
  if (inShape.length !== 3) throw new Error(`globalAvgPool layer "${name}" needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [c, h, w] = inShape as [number, number, number];
  return {
    name,
    kind: { op: 'globalAvgPool' },
    inShapes: [inShape],
    outShape: [c],
    ...STATELESS,
    macs: 0,
    forward(g, [x]) {
      if (g.target.canonical) return g.node('Flatten', [g.node('GlobalAveragePool', [x!])]);
      // On blocked input the mean over the plane of [N, C/B, H, W, B] is [N, C/B, B]: [N, C] in order.
      const view = layoutOf(g, [x!], inShape);
      return g.node('Reshape', [g.node('ReduceMean', [view.values[0]!], { axes: [2, 3], keepdims: 0 }), g.ints([0, c])]);
    },
    backward(g, dy, { xs: [x] }, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      const scaled = g.node('Div', [dy, g.scalar(h * w)]);
      const view = layoutOf(g, [x!], inShape);
      // dy/(H·W) broadcast over the plane, in the layout the input had (blocked, for the layer below).
      return {
        dxs: [
          view.out(
            g.node('Expand', [g.node('Reshape', [scaled, g.ints(view.perChannel.map((d, i) => (i === 0 ? 0 : d)))]), g.node('Shape', [view.values[0]!])]),
          ),
        ],
        dparams: [],
      };
    },
  };
}
