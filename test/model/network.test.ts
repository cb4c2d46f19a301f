// Whole-model gradients: the train-step graph's parameter gradients and the
// input-gradient graph's dLoss/dx against finite differences of a float64 model.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/model/network.ts';
import type { ModelSpec } from '../../src/model/architectures.ts';
import { size } from '../../src/model/layer.ts';
import { FEATURE_MAJOR_MIN_UNITS } from '../../src/model/layers/dense.ts';
import { createRng } from '../../src/util/rng.ts';
import { PORTABLE, type GraphTarget } from '../../src/onnx/graph.ts';
import { nchwcBlockSize } from '../../src/onnx/nchwc.ts';
import onnxProto from 'onnx-proto';
import { finiteDiff, randomArray, refCrossEntropy, refModelLoss, relError } from '../helpers/reference.ts';

const CLASSES = 4;
const BATCH = 5;
const block = await nchwcBlockSize();

async function checkModel(spec: ModelSpec, inShape: number[], target?: GraphTarget) {
  const net = new Network(spec, inShape, CLASSES, target ? { target } : {});
  const rng = createRng(11, 'test');
  const params = net.initParams(3);
  const x32 = Float32Array.from(randomArray(BATCH * size(inShape), rng, 0, 1));
  const labels = Array.from({ length: BATCH }, (_, i) => (i * 3) % CLASSES);
  const y = BigInt64Array.from(labels.map(BigInt));

  const p64 = params.map((p) => Float64Array.from(p));
  const x64 = Float64Array.from(x32);
  const L = () => refModelLoss(net.layers, x64, p64, labels, CLASSES);

  const step = await net.trainStep(params, x32, y, BATCH);
  expect(Math.abs(step.loss - L()) / L()).toBeLessThan(1e-5);
  p64.forEach((p, i) => expect(relError(step.grads[i]!, finiteDiff(L, p)), net.params[i]!.name).toBeLessThan(1e-3));

  const ig = await net.inputGrad(params, x32, y, BATCH);
  expect(ig.loss).toBe(step.loss);
  expect(relError(ig.dx, finiteDiff(L, x64))).toBeLessThan(1e-3);

  const logits = await net.predict(params, x32, BATCH);
  expect(Array.from(logits)).toEqual(Array.from(step.logits));
  await net.release();
}

describe('model gradients against finite differences', () => {
  it('mlp [6, 5]: parameter and input gradients', () => checkModel({ kind: 'mlp', hidden: [6, 5] }, [1, 4, 4]));
  it('mlp [128, 5], feature-major throughout: ReLU and the next dense layers read the transposed twin', async () => {
    const spec: ModelSpec = { kind: 'mlp', hidden: [FEATURE_MAJOR_MIN_UNITS, 5] };
    const ops = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 4, 4], CLASSES).graph('train')).graph!.node!.map((n) => n.opType);
    // The input and dLoss/dlogits go in transposed, the logits come out: nothing else converts.
    expect(ops.filter((o) => o === 'Transpose')).toHaveLength(3);
    await checkModel(spec, [1, 4, 4]);
  });
  it('cnn with stride-2 convolutions on an even input', () =>
    checkModel({ kind: 'cnn', convs: [{ channels: 3, stride: 1 }, { channels: 4, stride: 2 }, { channels: 2, stride: 2 }] }, [1, 8, 8]));
  it('cnn with stride-2 convolutions on an odd input', () =>
    checkModel({ kind: 'cnn', convs: [{ channels: 2, stride: 2 }, { channels: 3, stride: 2 }] }, [1, 7, 7]));
  it('cnn with 16-channel layers on portable operators (gathered-column weight gradients)', () =>
    checkModel({ kind: 'cnn', convs: [{ channels: 16, stride: 1 }, { channels: 16, stride: 2 }] }, [1, 5, 5], PORTABLE));
  it.skipIf(block === 0)('cnn on NCHWc kernels: ReLU and the next convolution read the blocked twin', async () => {
    const spec: ModelSpec = { kind: 'cnn', convs: [{ channels: block, stride: 1 }, { channels: block, stride: 2 }] };
    const graph = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 5, 5], CLASSES).graph('train', { nchwcBlock: block })).graph!;
    const ops = graph.node!.map((n) => `${n.domain ? `${n.domain}:` : ''}${n.opType}`);
    expect(ops.filter((o) => o === 'com.microsoft.nchwc:Conv')).toHaveLength(2);
    // A ReorderInput would mean a blocked value was converted back and forth; a Relu node,
    // that the activation was not fused into the convolution.
    expect(ops).not.toContain('com.microsoft.nchwc:ReorderInput');
    expect(ops).not.toContain('Relu');
    await checkModel(spec, [1, 5, 5], { nchwcBlock: block });
  });
  it.skipIf(block === 0)('cnn on NCHWc kernels, even input: phase-convolution input gradient, ReLU backward and first-layer weight gradient on blocked data', async () => {
    const spec: ModelSpec = { kind: 'cnn', convs: [{ channels: block, stride: 1 }, { channels: block, stride: 2 }] };
    const graph = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 6, 6], CLASSES).graph('train', { nchwcBlock: block })).graph!;
    const ops = graph.node!.map((n) => n.opType);
    expect(ops).not.toContain('ConvTranspose');
    // Blocked all the way down: conv1's gradient never needs dy back in NCHW, so the only
    // conversions out of NCHWc are the forward activations (NCHW for the last, NHWC for conv2's columns).
    expect(ops.filter((o) => o === 'ReorderOutput')).toHaveLength(2);
    await checkModel(spec, [1, 6, 6], { nchwcBlock: block });
  });
});

describe('initialisation', () => {
  it('follows PyTorch defaults: every tensor within ±1/sqrt(fan_in), spread over the whole range', () => {
    const net = new Network({ kind: 'cnn' }, [1, 28, 28], 10);
    net.initParams(0).forEach((t, i) => {
      const bound = 1 / Math.sqrt(net.params[i]!.fanIn);
      const max = t.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(max).toBeLessThanOrEqual(bound);
      if (t.length > 1000) {
        expect(max).toBeGreaterThan(0.99 * bound);
        const variance = t.reduce((s, v) => s + v * v, 0) / t.length;
        expect(variance / (bound * bound / 3)).toBeCloseTo(1, 1); // U(-b, b) has variance b²/3
      }
    });
  });

  it('depends on (model, seed) only: same seed gives the same bytes, another seed differs', () => {
    const a = new Network({ kind: 'mlp', hidden: [32] }, [1, 28, 28], 10);
    const b = new Network({ kind: 'mlp', hidden: [32] }, [1, 28, 28], 10);
    expect(a.initParams(5)).toEqual(b.initParams(5));
    expect(a.initParams(5)[0]).not.toEqual(a.initParams(6)[0]);
  });
});

describe('cross-entropy reference', () => {
  it('equals log(K) for all-zero logits', () => {
    expect(refCrossEntropy(new Float64Array(2 * 5), [1, 3], 5)).toBeCloseTo(Math.log(5), 12);
  });
});
