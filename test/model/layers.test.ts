// Each layer's forward matches a float64 loop, and its backward (vector-Jacobian
// product) matches central finite differences of L = Σ r ⊙ layer(x).
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { GraphBuilder, PORTABLE, type GraphTarget } from '../../src/onnx/graph.ts';
import { nchwcBlockSize } from '../../src/onnx/nchwc.ts';
import type { Layer } from '../../src/model/layer.ts';
import { size } from '../../src/model/layer.ts';
import { dense, FEATURE_MAJOR_MIN_UNITS } from '../../src/model/layers/dense.ts';
import { relu } from '../../src/model/layers/relu.ts';
import { flatten } from '../../src/model/layers/flatten.ts';
import { conv2d } from '../../src/model/layers/conv2d.ts';
import { createRng } from '../../src/util/rng.ts';
import { finiteDiff, randomArray, refLayer, relError } from '../helpers/reference.ts';

const BATCH = 3;
/** MLAS's NCHWc block on this machine (0 off x86): the blocked-kernel cases need it. */
const block = await nchwcBlockSize();

async function runLayer(layer: Layer, x: Float64Array, params: Float64Array[], r: Float64Array, target: GraphTarget) {
  const g = new GraphBuilder('layer', target);
  const ps = layer.params.map((p) => g.input(p.name, 'float32', p.shape));
  const xin = g.input('x', 'float32', [BATCH, ...layer.inShape]);
  const dy = g.input('dy', 'float32', [BATCH, ...layer.outShape]);
  const y = layer.forward(g, xin, ps);
  g.output(y, 'y', 'float32', [BATCH, ...layer.outShape]);
  const b = layer.backward(g, dy, { x: xin, y, params: ps }, { dx: true, dparams: true });
  g.output(b.dx!, 'dx', 'float32', [BATCH, ...layer.inShape]);
  b.dparams.forEach((d, i) => g.output(d, `d${i}`, 'float32', layer.params[i]!.shape));
  const bytes = g.toBytes();
  const usesBlocked = new TextDecoder().decode(bytes).includes('com.microsoft.nchwc');
  const ops = onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType ?? '');
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', Float32Array.from(x), [BATCH, ...layer.inShape]),
    dy: new ort.Tensor('float32', Float32Array.from(r), [BATCH, ...layer.outShape]),
  };
  layer.params.forEach((p, i) => (feeds[p.name] = new ort.Tensor('float32', Float32Array.from(params[i]!), p.shape as number[])));
  const out = await session.run(feeds);
  return { usesBlocked, ops, y: out.y!.data as Float32Array, dx: out.dx!.data as Float32Array, dparams: layer.params.map((_, i) => out[`d${i}`]!.data as Float32Array) };
}

async function checkLayer(layer: Layer, seed: number, gap = 0, target: GraphTarget = PORTABLE, blocked = false): Promise<string[]> {
  const rng = createRng(seed, 'test');
  // Float32-representable inputs, so the float64 reference sees exactly what the graph sees.
  const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const x = f32(randomArray(BATCH * size(layer.inShape), rng, -1, 1, gap));
  const params = layer.params.map((p) => f32(randomArray(size(p.shape), rng)));
  const r = f32(randomArray(BATCH * size(layer.outShape), rng));
  const got = await runLayer(layer, x, params, r, target);
  expect(got.usesBlocked).toBe(blocked);

  expect(relError(got.y, refLayer(layer, x, params, BATCH))).toBeLessThan(1e-6);
  const L = () => refLayer(layer, x, params, BATCH).reduce((s, v, i) => s + v * r[i]!, 0);
  expect(relError(got.dx, finiteDiff(L, x))).toBeLessThan(1e-3);
  params.forEach((p, i) => expect(relError(got.dparams[i]!, finiteDiff(L, p))).toBeLessThan(1e-3));
  return got.ops;
}

describe('layer backward rules against finite differences', () => {
  it('dense: dx = dy W, dW = dyᵀ x, db = Σ dy', () => checkLayer(dense('d', [7], 5), 1));
  it('dense, feature-major (wide enough to transpose its input): the same rules on transposed activations', () =>
    checkLayer(dense('d', [7], FEATURE_MAJOR_MIN_UNITS), 14));
  it('relu: passes dy where the output is positive', () => checkLayer(relu('r', [2, 3, 3]), 2, 0.05));
  it('flatten: backward restores the [C, H, W] shape', () => checkLayer(flatten('f', [2, 3, 4]), 3));
  it('conv2d stride 1, padding 1', () => checkLayer(conv2d('c', [2, 5, 5], { channels: 3, kernel: 3, stride: 1, padding: 1 }), 4));
  it('conv2d stride 2 on an even input (floor drops nothing extra)', () => checkLayer(conv2d('c', [2, 6, 6], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 5));
  it('conv2d stride 2 on an odd input', () => checkLayer(conv2d('c', [2, 7, 7], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 6));
  it('conv2d stride 2 without padding, non-square input', () => checkLayer(conv2d('c', [1, 8, 5], { channels: 2, kernel: 3, stride: 2, padding: 0 }), 7));
  it('conv2d stride 3, kernel 2', () => checkLayer(conv2d('c', [2, 7, 8], { channels: 2, kernel: 2, stride: 3, padding: 1 }), 8));
  it('conv2d with 16 input channels: weight gradient from gathered columns, stride 2, odd input', () =>
    checkLayer(conv2d('c', [16, 7, 7], { channels: 3, kernel: 3, stride: 2, padding: 1 }), 9));
  it('conv2d with 16 input channels: columns without padding, non-square input', () =>
    checkLayer(conv2d('c', [16, 6, 5], { channels: 2, kernel: 3, stride: 1, padding: 0 }), 10));
});

describe.skipIf(block === 0)('conv2d on onnxruntime NCHWc kernels', () => {
  const target = { nchwcBlock: block };
  it('blocked input (channels a multiple of the block), stride 2, odd input', () =>
    checkLayer(conv2d('c', [block, 5, 5], { channels: block, kernel: 3, stride: 2, padding: 1 }), 11, 0, target, true));
  it('plain NCHW input (fewer channels than a block), stride 1', () =>
    checkLayer(conv2d('c', [1, 6, 6], { channels: block, kernel: 3, stride: 1, padding: 1 }), 12, 0, target, true));
  it('input gradient as stride-1 phase convolutions: stride 2, kernel 3, even input', async () => {
    const ops = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 3, stride: 2, padding: 1 }), 15, 0, target, true);
    expect(ops).not.toContain('ConvTranspose');
  });
  it('phase convolutions with two taps per phase (kernel 4, stride 2) and with stride 3', async () => {
    const ops4 = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 4, stride: 2, padding: 1 }), 16, 0, target, true);
    const ops3 = await checkLayer(conv2d('c', [block, 6, 6], { channels: block, kernel: 3, stride: 3, padding: 0 }), 17, 0, target, true);
    expect([...ops4, ...ops3]).not.toContain('ConvTranspose');
  });
  it('strides that do not divide the input keep ConvTranspose', async () => {
    const ops = await checkLayer(conv2d('c', [block, 5, 5], { channels: block, kernel: 3, stride: 2, padding: 1 }), 18, 0, target, true);
    expect(ops).toContain('ConvTranspose');
  });
  it('shapes the kernels do not take fall back to Conv (3 output channels)', () =>
    checkLayer(conv2d('c', [block, 5, 5], { channels: 3, kernel: 3, stride: 1, padding: 1 }), 13, 0, target, false));
});
