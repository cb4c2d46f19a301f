// Each layer's forward matches a float64 loop, and its backward (vector-Jacobian
// product) matches central finite differences of L = Σ r ⊙ layer(x), in training mode and
// in evaluation mode, on the portable operators and on the NCHWc kernels.
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { GraphBuilder, PORTABLE, type GraphTarget } from '../../src/core/onnx/graph.ts';
import { nchwcBlockSize } from '../../src/core/onnx/nchwc.ts';
import type { Layer, Mode } from '../../src/core/model/layer.ts';
import { size } from '../../src/core/model/layer.ts';
import { dense, FEATURE_MAJOR_MIN_UNITS } from '../../src/core/model/layers/dense.ts';
import { activation, relu } from '../../src/core/model/layers/activation.ts';
import { flatten } from '../../src/core/model/layers/flatten.ts';
import { conv2d } from '../../src/core/model/layers/conv2d.ts';
import { batchNorm } from '../../src/core/model/layers/batchnorm.ts';
import { avgPool2d, globalAvgPool, maxPool2d } from '../../src/core/model/layers/pool.ts';
import { dropout } from '../../src/core/model/layers/dropout.ts';
import { add } from '../../src/core/model/layers/add.ts';
import { shortcutA } from '../../src/core/model/layers/shortcut.ts';
import { affine } from '../../src/core/model/layers/affine.ts';
import { reshape } from '../../src/core/model/layers/reshape.ts';
import { padLayer, slice } from '../../src/core/model/layers/slice.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { finiteDiff, randomArray, refLayer, relError, type RefContext } from '../helpers/reference.ts';

const BATCH = 3;
/** MLAS's NCHWc block on this machine (0 off x86): the blocked-kernel cases need it. */
const block = await nchwcBlockSize();

interface Inputs {
  readonly xs: Float64Array[];
  readonly params: Float64Array[];
  readonly buffers: Float64Array[];
  readonly noise: Float64Array[];
  readonly r: Float64Array;
}

async function runLayer(layer: Layer, input: Inputs, target: GraphTarget, mode: Mode, batch = BATCH) {
  const BATCH = batch;
  const g = new GraphBuilder('layer', target);
  const f32 = (name: string, shape: readonly (number | string)[]) => g.input(name, 'float32', shape);
  const ps = layer.params.map((p) => f32(p.name, p.shape));
  const bs = layer.buffers.map((b) => f32(b.name, b.shape));
  const zs = mode === 'train' ? layer.noise.map((z) => f32(z.name, [BATCH, ...z.shape])) : [];
  const xs = layer.inShapes.map((s, i) => f32(`x${i}`, [BATCH, ...s]));
  const dy = f32('dy', [BATCH, ...layer.outShape]);
  const saved: Record<string, string> = {};
  const y = layer.forward(g, xs, ps, {
    mode,
    buffers: bs,
    noise: zs,
    saved,
    updateBuffer: (j, v) => g.output(v, `buffer${j}`, 'float32', layer.buffers[j]!.shape),
  });
  g.output(y, 'y', 'float32', [BATCH, ...layer.outShape]);
  const dparams = mode === 'train';
  const b = layer.backward(g, dy, { xs, y, params: ps, buffers: bs, noise: zs, saved, mode }, { dxs: xs.map(() => true), dparams });
  b.dxs.forEach((d, i) => g.output(d!, `dx${i}`, 'float32', [BATCH, ...layer.inShapes[i]!]));
  b.dparams.forEach((d, i) => g.output(d, `d${i}`, 'float32', layer.params[i]!.shape));
  const bytes = g.toBytes();
  const usesBlocked = new TextDecoder().decode(bytes).includes('com.microsoft.nchwc');
  const ops = onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType ?? '');
  const session = await ort.InferenceSession.create(bytes);
  const tensor = (a: Float64Array, shape: readonly number[]) => new ort.Tensor('float32', Float32Array.from(a), [...shape]);
  const feeds: Record<string, ort.Tensor> = { dy: tensor(input.r, [BATCH, ...layer.outShape]) };
  layer.inShapes.forEach((s, i) => (feeds[`x${i}`] = tensor(input.xs[i]!, [BATCH, ...s])));
  layer.params.forEach((p, i) => (feeds[p.name] = tensor(input.params[i]!, p.shape)));
  layer.buffers.forEach((p, i) => (feeds[p.name] = tensor(input.buffers[i]!, p.shape)));
  if (mode === 'train') layer.noise.forEach((z, i) => (feeds[z.name] = tensor(input.noise[i]!, [BATCH, ...z.shape])));
  const out = await session.run(feeds);
  const data = (name: string) => out[name]!.data as Float32Array;
  return {
    usesBlocked,
    ops,
    y: data('y'),
    dxs: layer.inShapes.map((_, i) => data(`dx${i}`)),
    dparams: b.dparams.map((_, i) => data(`d${i}`)),
    buffers: mode === 'train' ? layer.buffers.map((_, i) => data(`buffer${i}`)) : [],
  };
}

interface CheckOptions {
  /** Keep inputs this far from 0 (away from ReLU's kink). */
  readonly gap?: number;
  readonly target?: GraphTarget;
  /** Whether the graph must use the NCHWc operators. */
  readonly blocked?: boolean;
  readonly mode?: Mode;
  /** Tolerance of the gradients against finite differences. */
  readonly tol?: number;
}

async function checkLayer(layer: Layer, seed: number, o: CheckOptions = {}): Promise<string[]> {
  const mode = o.mode ?? 'train';
  const rng = createRng(seed, 'test');
  // Float32-representable inputs, so the float64 reference sees exactly what the graph sees.
  const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const xs = layer.inShapes.map((s) => f32(randomArray(BATCH * size(s), rng, -1, 1, o.gap ?? 0)));
  const params = layer.params.map((p) => f32(randomArray(size(p.shape), rng, p.init.kind === 'constant' ? 0.5 : -1, p.init.kind === 'constant' ? 1.5 : 1)));
  const buffers = layer.buffers.map((b) =>
    f32(
      randomArray(
        size(b.shape),
        rng,
        b.init.kind === 'constant' && b.init.value === 1 ? 0.5 : -0.5,
        b.init.kind === 'constant' && b.init.value === 1 ? 1.5 : 0.5,
      ),
    ),
  );
  const noise = layer.noise.map((z) =>
    Float64Array.from({ length: BATCH * size(z.shape) }, () => (rng() < z.dropProbability ? 0 : 1 / (1 - z.dropProbability))).map((v) => Math.fround(v)),
  );
  const r = f32(randomArray(BATCH * size(layer.outShape), rng));
  const got = await runLayer(layer, { xs, params, buffers, noise, r }, o.target ?? PORTABLE, mode);
  expect(got.usesBlocked).toBe(o.blocked ?? false);

  const ctx = (): RefContext => ({ mode, buffers: buffers.map((b) => Float64Array.from(b)), noise });
  const refCtx = ctx();
  expect(relError(got.y, refLayer(layer, xs, params, BATCH, refCtx))).toBeLessThan(1e-6);
  got.buffers.forEach((b, i) => expect(relError(b, refCtx.buffers[i]!), layer.buffers[i]!.name).toBeLessThan(1e-6));
  const L = () => refLayer(layer, xs, params, BATCH, ctx()).reduce((s, v, i) => s + v * r[i]!, 0);
  const tol = o.tol ?? 1e-3;
  xs.forEach((x, i) => expect(relError(got.dxs[i]!, finiteDiff(L, x)), `dx${i}`).toBeLessThan(tol));
  got.dparams.forEach((d, i) => expect(relError(d, finiteDiff(L, params[i]!)), layer.params[i]!.name).toBeLessThan(tol));
  return got.ops;
}

describe('layer backward rules against finite differences', () => {
  it('dense: dx = dy W, dW = dyᵀ x, db = Σ dy', () => checkLayer(dense('d', [7], 5), 1));
  it('dense without bias', () => checkLayer(dense('d', [7], 5, false), 21));
  it('dense, feature-major (wide enough to transpose its input): the same rules on transposed activations', () =>
    checkLayer(dense('d', [7], FEATURE_MAJOR_MIN_UNITS), 14));
  it('relu: passes dy where the output is positive', () => checkLayer(relu('r', [2, 3, 3]), 2, { gap: 0.05 }));
  it('tanh: dy·(1 − y²)', () => checkLayer(activation('t', [2, 3, 3], 'tanh'), 22));
  it('sigmoid: dy·y·(1 − y)', () => checkLayer(activation('s', [11], 'sigmoid'), 23));
  it('gelu (exact, erf): dy·(Φ(x) + x·φ(x))', () => checkLayer(activation('g', [2, 3, 3], 'gelu'), 24));
  it('leakyRelu with slope 0.2: dy·(x > 0 ? 1 : 0.2)', () => checkLayer(activation('l', [7], 'leakyRelu', 0.2), 25, { gap: 0.05 }));
  it('flatten: backward restores the [C, H, W] shape', () => checkLayer(flatten('f', [2, 3, 4]), 3));
  it('conv2d stride 1, padding 1', () => checkLayer(conv2d('c', [2, 5, 5], { channels: 3, kernel: 3, stride: 1, padding: 1 }), 4));
  it('conv2d stride 2 on an even input (floor drops nothing extra)', () =>
    checkLayer(conv2d('c', [2, 6, 6], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 5));
  it('conv2d stride 2 on an odd input', () => checkLayer(conv2d('c', [2, 7, 7], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 6));
  it('conv2d stride 2 without padding, non-square input', () => checkLayer(conv2d('c', [1, 8, 5], { channels: 2, kernel: 3, stride: 2, padding: 0 }), 7));
  it('conv2d stride 3, kernel 2', () => checkLayer(conv2d('c', [2, 7, 8], { channels: 2, kernel: 2, stride: 3, padding: 1 }), 8));
  it('conv2d with 16 input channels: weight gradient from gathered columns, stride 2, odd input', () =>
    checkLayer(conv2d('c', [16, 7, 7], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 9));
  it('conv2d with 16 input channels: columns without padding, non-square input', () =>
    checkLayer(conv2d('c', [16, 6, 5], { channels: 2, kernel: 3, stride: 1, padding: 0 }), 10));
  it('conv2d with a rectangular kernel, per-axis strides, asymmetric padding and dilation, no bias', () =>
    checkLayer(conv2d('c', [2, 9, 8], { channels: 3, kernel: [3, 2], stride: [2, 1], padding: [1, 0, 2, 1], dilation: [2, 1], bias: false }), 26));
  it('conv2d 1x1 with stride 2 (a projection shortcut), 16 channels', () =>
    checkLayer(conv2d('c', [16, 6, 6], { channels: 4, kernel: 1, stride: 2, bias: false }), 27));
  it('conv2d with dilation and 16 input channels (gathered columns)', () =>
    checkLayer(conv2d('c', [16, 7, 7], { channels: 2, kernel: 3, padding: 2, dilation: 2 }), 28));
});

describe('batch norm, pooling, dropout, residual layers against finite differences', () => {
  it('batchNorm2d, training mode: batch statistics, running statistics updated with the unbiased variance', () => checkLayer(batchNorm('bn', [3, 4, 4]), 30));
  it('batchNorm1d, training mode', () => checkLayer(batchNorm('bn', [6]), 31));
  it('batchNorm1d after a wide dense layer: computed on the feature-major twin', async () => {
    // A dense layer with 128+ units hands on a transposed twin; the batch norm must read it and agree.
    const ops = await checkLayer(batchNorm('bn', [FEATURE_MAJOR_MIN_UNITS]), 32);
    expect(ops).toContain('ReduceMean');
  });
  it('batchNorm2d, evaluation mode: running statistics, dx = dy·γ/√(running_var + eps)', () => checkLayer(batchNorm('bn', [3, 4, 4]), 33, { mode: 'eval' }));
  it('maxPool2d 2x2: gradient to each window maximum', () => checkLayer(maxPool2d('p', [2, 4, 6], { kernel: 2 }), 34));
  it('maxPool2d 3x3 stride 2 padding 1 (overlapping windows: contributions add up)', () =>
    checkLayer(maxPool2d('p', [2, 7, 7], { kernel: 3, stride: 2, padding: 1 }), 35));
  it('avgPool2d 2x2', () => checkLayer(avgPool2d('p', [2, 4, 6], { kernel: 2 }), 36));
  it('avgPool2d 3x3 stride 2 padding 1, count_include_pad true (PyTorch default) and false', async () => {
    await checkLayer(avgPool2d('p', [2, 7, 7], { kernel: 3, stride: 2, padding: 1 }), 37);
    await checkLayer(avgPool2d('p', [2, 7, 7], { kernel: 3, stride: 2, padding: 1, countIncludePad: false }), 38);
  });
  it('globalAvgPool: dx = dy/(H·W) everywhere in the plane', () => checkLayer(globalAvgPool('g', [3, 4, 5]), 39));
  it('dropout, training mode: y = x·mask, dx = dy·mask', () => checkLayer(dropout('d', [2, 3, 3], 0.3), 40));
  it('dropout, evaluation mode: the identity', () => checkLayer(dropout('d', [7], 0.5), 41, { mode: 'eval' }));
  it('add: both inputs receive dy', () => checkLayer(add('a', [2, 3, 3], [2, 3, 3]), 42));
  it('option-A shortcut: subsample by 2, pad 2 zero channels on each side', () => checkLayer(shortcutA('s', [4, 5, 6], 8, 2), 43));
  it('affine: per-channel scale and shift, and scalars', async () => {
    await checkLayer(affine('a', [3, 2, 2], [0.5, -2, 3], [0.1, 0, -1]), 44);
    await checkLayer(affine('a', [5], [2], [-0.5]), 45);
  });
  it('reshape: [2, 3, 4] to [6, 4] and back', () => checkLayer(reshape('r', [2, 3, 4], [6, 4]), 46));
  it('slice: channels, and strided spatial axes with offsets', async () => {
    await checkLayer(
      slice(
        's',
        [4, 7, 6],
        [
          { start: 1, end: 3, step: 1 },
          { start: 1, end: 7, step: 2 },
          { start: 0, end: 5, step: 3 },
        ],
      ),
      47,
    );
    await checkLayer(slice('s', [9], [{ start: 2, end: 8, step: 1 }]), 48);
  });
  it('pad: zeros before and after channels and space', () => checkLayer(padLayer('p', [2, 3, 4], [1, 0, 2], [2, 1, 0]), 49));
});

describe('maxPool2d ties', () => {
  it('sends the gradient of a window with equal values to its first maximum in row-major order, as PyTorch does', async () => {
    const layer = maxPool2d('p', [1, 2, 4], { kernel: 2 });
    // Window 1 all equal; window 2 ties between positions (0,3) and (1,2).
    const x = Float64Array.from([1, 1, 0, 5, 1, 1, 5, 2]);
    const got = await runLayer(layer, { xs: [x], params: [], buffers: [], noise: [], r: Float64Array.from([10, 20]) }, PORTABLE, 'train', 1);
    expect(Array.from(got.dxs[0]!)).toEqual([10, 0, 0, 20, 0, 0, 0, 0]);
  });
});

describe.skipIf(block === 0)('layers on onnxruntime NCHWc kernels', () => {
  const target = { nchwcBlock: block };
  it('conv2d: blocked input (channels a multiple of the block), stride 2, odd input', () =>
    checkLayer(conv2d('c', [block, 5, 5], { channels: block, kernel: 3, stride: 2, padding: 1 }), 11, { target, blocked: true }));
  it('conv2d: plain NCHW input (fewer channels than a block), stride 1', () =>
    checkLayer(conv2d('c', [1, 6, 6], { channels: block, kernel: 3, stride: 1, padding: 1 }), 12, { target, blocked: true }));
  it('conv2d: input gradient as stride-1 phase convolutions: stride 2, kernel 3, even input', async () => {
    const ops = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 3, stride: 2, padding: 1 }), 15, { target, blocked: true });
    expect(ops).not.toContain('ConvTranspose');
  });
  it('conv2d: phase convolutions with two taps per phase (kernel 4, stride 2) and with stride 3', async () => {
    const ops4 = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 4, stride: 2, padding: 1 }), 16, { target, blocked: true });
    const ops3 = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 3, stride: 3, padding: 0 }), 17, { target, blocked: true });
    expect([...ops4, ...ops3]).not.toContain('ConvTranspose');
  });
  it('conv2d: stride 1 input gradient as one blocked convolution with the flipped kernel (3x3, and 1x1 without bias)', async () => {
    const ops3 = await checkLayer(conv2d('c', [block, 5, 4], { channels: block, kernel: 3, stride: 1, padding: 1 }), 20, { target, blocked: true });
    const ops1 = await checkLayer(conv2d('c', [block, 3, 3], { channels: block, kernel: 1, bias: false }), 21, { target, blocked: true });
    expect([...ops3, ...ops1]).not.toContain('ConvTranspose');
  });
  it('conv2d: strides that do not divide the input keep ConvTranspose', async () => {
    const ops = await checkLayer(conv2d('c', [block, 5, 5], { channels: block, kernel: 3, stride: 2, padding: 1 }), 18, { target, blocked: true });
    expect(ops).toContain('ConvTranspose');
  });
  it('conv2d: shapes the kernels do not take fall back to Conv (3 output channels)', () =>
    checkLayer(conv2d('c', [block, 5, 5], { channels: 3, kernel: 3, stride: 1, padding: 1 }), 13, { target, blocked: false }));
  it('conv2d without bias, 1x1 stride 2, on blocked kernels', () =>
    checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 1, stride: 2, bias: false }), 19, { target, blocked: true }));
});
