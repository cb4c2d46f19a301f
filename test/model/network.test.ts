// Whole-model gradients: the train-step graph's parameter gradients (training mode: batch
// statistics, dropout masks) and the input-gradient graph's dLoss/dx (evaluation mode)
// against finite differences of a float64 model, for every family and option.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import type { ModelSpec } from '../../src/core/model/families/registry.ts';
import { buildModel, modelLabel, modelProblem } from '../../src/core/model/families/registry.ts';
import { size } from '../../src/core/model/layer.ts';
import { FEATURE_MAJOR_MIN_UNITS } from '../../src/core/model/layers/dense.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { initTensors } from '../../src/core/model/init.ts';
import { PORTABLE, type GraphTarget } from '../../src/core/onnx/graph.ts';
import { nchwcBlockSize } from '../../src/core/onnx/nchwc.ts';
import onnxProto from 'onnx-proto';
import { finiteDiffSample, randomArray, refCrossEntropy, refModel, refModelLoss, relError } from '../helpers/reference.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const CLASSES = 4;
const BATCH = 5;
const block = await nchwcBlockSize();

async function checkModel(spec: ModelSpec, inShape: number[], target?: GraphTarget) {
  const net = new Network(spec, inShape, CLASSES, target ? { target } : {});
  const rng = createRng(11, 'test');
  // Buffers not at their initial values, so evaluation mode differs from a fresh model.
  const weights = net.initWeights(3).map((w, i) => (i < net.params.length ? w : w.map((v) => v + 0.25 * (2 * rng() - 1))));
  const x32 = Float32Array.from(randomArray(BATCH * size(inShape), rng, 0, 1));
  const labels = Array.from({ length: BATCH }, (_, i) => (i * 3) % CLASSES);
  const y = BigInt64Array.from(labels.map(BigInt));
  const noise = net.noise.map((z) => Float32Array.from({ length: BATCH * size(z.shape) }, () => (rng() < z.dropProbability ? 0 : 1 / (1 - z.dropProbability))));

  const w64 = weights.map((p) => Float64Array.from(p));
  const x64 = Float64Array.from(x32);
  const n64 = noise.map((m) => Float64Array.from(m));
  const trainLoss = () => refModelLoss(net.model, x64, w64, labels, CLASSES, 'train', n64);
  const evalLoss = () => refModelLoss(net.model, x64, w64, labels, CLASSES, 'eval');

  const step = await net.trainStep(weights, x32, y, BATCH, noise);
  expect(Math.abs(step.loss - trainLoss()) / trainLoss()).toBeLessThan(1e-5);
  net.params.forEach((p, i) => {
    const { at, diff } = finiteDiffSample(trainLoss, w64[i]!);
    const got = at.map((k) => step.grads[i]![k]!);
    // A gradient that is zero by construction (a bias before batch norm) is compared absolutely.
    if (Math.hypot(...diff) < 1e-7) expect(Math.max(...got.map(Math.abs)), p.name).toBeLessThan(1e-6);
    else expect(relError(got, diff), p.name).toBeLessThan(1e-3);
  });
  const updated = refModel(net.model, x64, w64, BATCH, 'train', n64).buffers;
  net.buffers.forEach((b, i) => expect(relError(step.buffers[i]!, updated[i]!), b.name).toBeLessThan(1e-5));
  net.params.forEach((_p, i) =>
    expect(step.paramSq[i]).toBeCloseTo(
      weights[i]!.reduce((s, v) => s + v * v, 0),
      3,
    ),
  );

  const ig = await net.inputGrad(weights, x32, y, BATCH);
  expect(Math.abs(ig.loss - evalLoss()) / evalLoss()).toBeLessThan(1e-5);
  const dx = finiteDiffSample(evalLoss, x64, 96);
  expect(
    relError(
      dx.at.map((k) => ig.dx[k]!),
      dx.diff,
    ),
  ).toBeLessThan(1e-3);

  const logits = await net.predict(weights, x32, BATCH);
  expect(Array.from(logits)).toEqual(Array.from(ig.logits));
  if (net.buffers.length === 0 && net.noise.length === 0) expect(Array.from(logits)).toEqual(Array.from(step.logits));
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
  it('deep sigmoid mlp with batch norm and dropout (training mode: batch statistics and masks)', () =>
    checkModel({ kind: 'mlp', hidden: [6, 6, 5], activation: 'sigmoid', batchNorm: true, dropout: 0.25 }, [1, 3, 3]));
  it('tanh and gelu mlps', async () => {
    await checkModel({ kind: 'mlp', hidden: [6, 5], activation: 'tanh' }, [1, 3, 3]);
    await checkModel({ kind: 'mlp', hidden: [6], activation: 'gelu' }, [1, 3, 3]);
  });
  it('cnn with stride-2 convolutions on an even input', () =>
    checkModel(
      {
        kind: 'cnn',
        convs: [
          { channels: 3, stride: 1 },
          { channels: 4, stride: 2 },
          { channels: 2, stride: 2 },
        ],
      },
      [1, 8, 8],
    ));
  it('cnn with stride-2 convolutions on an odd input', () =>
    checkModel(
      {
        kind: 'cnn',
        convs: [
          { channels: 2, stride: 2 },
          { channels: 3, stride: 2 },
        ],
      },
      [1, 7, 7],
    ));
  it('cnn with max pooling, batch norm and dropout', () =>
    checkModel(
      {
        kind: 'cnn',
        convs: [
          { channels: 3, stride: 1 },
          { channels: 4, stride: 2 },
        ],
        pool: 'max',
        batchNorm: true,
        dropout: 0.5,
      },
      [1, 6, 6],
    ));
  it('cnn on 3-channel input', () =>
    checkModel(
      {
        kind: 'cnn',
        convs: [
          { channels: 4, stride: 2 },
          { channels: 6, stride: 1 },
        ],
      },
      [3, 7, 7],
    ));
  it('cnn with average pooling and leaky ReLU', () =>
    checkModel({ kind: 'cnn', convs: [{ channels: 3, stride: 2 }], pool: 'avg', activation: 'leakyRelu' }, [1, 6, 6]));
  it('cnn with 16-channel layers on portable operators (gathered-column weight gradients)', () =>
    checkModel(
      {
        kind: 'cnn',
        convs: [
          { channels: 16, stride: 1 },
          { channels: 16, stride: 2 },
        ],
      },
      [1, 5, 5],
      PORTABLE,
    ));
  // The largest of these checks (LeNet-5 at 3x32x32, a quarter of a minute: test:slow); tanh (MLPs) and average pooling (a CNN) are checked above.
  it.runIf(process.env.OPTROBUST_SLOW === '1')('lenet5 on 3-channel 32x32 input, tanh and average pooling', () =>
    checkModel({ kind: 'lenet5', activation: 'tanh', pool: 'avg' }, [3, 32, 32]),
  );
  it('resnet 8 (one block per stage, option-A shortcuts) on portable operators', () => checkModel({ kind: 'resnet', depth: 8, width: 4 }, [1, 8, 8], PORTABLE));
  it('resnet 8 with projection shortcuts (option B)', () => checkModel({ kind: 'resnet', depth: 8, width: 4, shortcut: 'B' }, [3, 6, 6], PORTABLE));
  it.skipIf(block === 0)('resnet 8 on NCHWc kernels: batch norm, ReLU and the residual sums on blocked data', async () => {
    const spec: ModelSpec = { kind: 'resnet', depth: 8, width: block };
    const graph = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 8, 8], CLASSES).graph('train', { nchwcBlock: block })).graph!;
    const convs = graph.node!.filter((n) => n.domain === 'com.microsoft.nchwc' && n.opType === 'Conv');
    const attr = (n: (typeof convs)[number], name: string) => n.attribute!.find((a) => a.name === name);
    const group = (n: (typeof convs)[number]) => Number(attr(n, 'group')?.i ?? 1);
    // Each batch norm's y = a·xc + b is one depthwise blocked convolution with its ReLU fused;
    // each block's second batch norm also takes the shortcut as its Sum (3 blocks).
    const affine = convs.filter((n) => group(n) > 1);
    expect(affine.filter((n) => n.input!.length === 4 && attr(n, 'activation')).length).toBe(3);
    // Stride-1 input gradients run blocked too (the stride-2 ones as phase convolutions): the
    // only ConvTranspose nodes left are the two option-A shortcuts' zero insertion.
    expect(graph.node!.filter((n) => n.opType === 'ConvTranspose')).toHaveLength(2);
    await checkModel(spec, [1, 8, 8], { nchwcBlock: block });
  });
  it.skipIf(block === 0)('cnn on NCHWc kernels: ReLU and the next convolution read the blocked twin', async () => {
    const spec: ModelSpec = {
      kind: 'cnn',
      convs: [
        { channels: block, stride: 1 },
        { channels: block, stride: 2 },
      ],
    };
    const graph = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 5, 5], CLASSES).graph('train', { nchwcBlock: block })).graph!;
    const ops = graph.node!.map((n) => `${n.domain ? `${n.domain}:` : ''}${n.opType}`);
    expect(ops.filter((o) => o === 'com.microsoft.nchwc:Conv')).toHaveLength(2);
    // A ReorderInput would mean a blocked value was converted back and forth; a Relu node,
    // that the activation was not fused into the convolution.
    expect(ops).not.toContain('com.microsoft.nchwc:ReorderInput');
    expect(ops).not.toContain('Relu');
    await checkModel(spec, [1, 5, 5], { nchwcBlock: block });
  });
  it.skipIf(block === 0)(
    'cnn on NCHWc kernels, even input: phase-convolution input gradient, ReLU backward and first-layer weight gradient on blocked data',
    async () => {
      const spec: ModelSpec = {
        kind: 'cnn',
        convs: [
          { channels: block, stride: 1 },
          { channels: block, stride: 2 },
        ],
      };
      const graph = onnxProto.onnx.ModelProto.decode(new Network(spec, [1, 6, 6], CLASSES).graph('train', { nchwcBlock: block })).graph!;
      const ops = graph.node!.map((n) => n.opType);
      expect(ops).not.toContain('ConvTranspose');
      // Blocked all the way down: conv1's gradient never needs dy back in NCHW, so the only
      // conversions out of NCHWc are the forward activations (NCHW for the last, NHWC for conv2's columns).
      expect(ops.filter((o) => o === 'ReorderOutput')).toHaveLength(2);
      await checkModel(spec, [1, 6, 6], { nchwcBlock: block });
    },
  );
});

describe('model families', () => {
  it('lenet5 has the classic shape: 6@28x28, 16@10x10, dense 120, 84 on a 28x28 input', () => {
    const layers = buildModel({ kind: 'lenet5' }, [1, 28, 28], 10).nodes.map((n) => `${n.layer.name}:${n.layer.outShape.join('x')}`);
    expect(layers).toEqual([
      'conv1:6x28x28',
      'relu1:6x28x28',
      'pool1:6x14x14',
      'conv2:16x10x10',
      'relu2:16x10x10',
      'pool2:16x5x5',
      'flatten:400',
      'dense1:120',
      'relu3:120',
      'dense2:84',
      'relu4:84',
      'dense3:10',
    ]);
  });

  it('resnet 20 has 6n + 2 = 20 weighted layers, 3 stages of 16, 32, 64 channels and 0.27M parameters', () => {
    const net = new Network({ kind: 'resnet', depth: 20 }, [3, 32, 32], 10);
    const weighted = net.layers.filter((l) => l.kind.op === 'conv2d' || l.kind.op === 'dense');
    expect(weighted).toHaveLength(20);
    // He et al. 2016, Table 6: ResNet-20 has 0.27M parameters.
    expect(net.paramCount).toBeGreaterThan(0.265e6);
    expect(net.paramCount).toBeLessThan(0.275e6);
    const last = net.layers.find((l) => l.name === 'stage3.block3.relu')!;
    expect(last.outShape).toEqual([64, 8, 8]);
  });

  it('labels distinguish every option and keep the old labels for the defaults', () => {
    expect(modelLabel({ kind: 'mlp', hidden: [256, 128] })).toBe('mlp[256,128]');
    expect(modelLabel({ kind: 'mlp', hidden: [8], activation: 'sigmoid', batchNorm: true, dropout: 0.5 })).toBe('mlp[8]-sigmoid-bn-drop0.5');
    expect(modelLabel({ kind: 'cnn' })).toBe('cnn[32,64/2,64/2]');
    expect(modelLabel({ kind: 'cnn', pool: 'max', batchNorm: true })).toBe('cnn[32,64/2,64/2]-maxpool-bn');
    expect(modelLabel({ kind: 'resnet', depth: 20 })).toBe('resnet20');
    expect(modelLabel({ kind: 'resnet', depth: 8, width: 8, shortcut: 'B' })).toBe('resnet8-w8-projection');
  });

  it('validation names the field, the value and what was expected', () => {
    expect(modelProblem({ kind: 'mlp', hidden: [8], activation: 'swish' })).toEqual({
      field: 'activation',
      value: 'swish',
      expected: 'one of relu, tanh, sigmoid, gelu, leakyRelu',
    });
    expect(modelProblem({ kind: 'resnet', depth: 18 })).toMatchObject({ field: 'depth', value: 18 });
    expect(modelProblem({ kind: 'cnn', dropout: 1 })).toMatchObject({ field: 'dropout', expected: 'a dropout probability in [0, 1)' });
    expect(modelProblem({ kind: 'mlp', hidden: [8], depth: 3 })).toMatchObject({
      field: 'depth',
      expected: expect.stringContaining('no such option for model kind "mlp"'),
    });
    expect(modelProblem({ kind: 'vgg' })).toMatchObject({ field: 'kind', value: 'vgg' });
  });
});

describe('initialisation', () => {
  it('follows PyTorch defaults: every tensor within ±1/sqrt(fan_in), spread over the whole range; batch norm 1 and 0', () => {
    const net = new Network({ kind: 'cnn', batchNorm: true }, [1, 28, 28], 10);
    const all = [...net.params, ...net.buffers];
    net.initWeights(0).forEach((t, i) => {
      const init = all[i]!.init;
      if (init.kind === 'constant') {
        expectEvery(t, (v) => v === init.value, all[i]!.name);
        return;
      }
      const bound = 1 / Math.sqrt(init.fanIn);
      const max = t.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(max).toBeLessThanOrEqual(bound);
      if (t.length > 1000) {
        expect(max).toBeGreaterThan(0.99 * bound);
        const variance = t.reduce((s, v) => s + v * v, 0) / t.length;
        expect(variance / ((bound * bound) / 3)).toBeCloseTo(1, 1); // U(-b, b) has variance b²/3
      }
    });
    expect(net.buffers.map((b) => b.name)).toEqual([
      'bn1.running_mean',
      'bn1.running_var',
      'bn2.running_mean',
      'bn2.running_var',
      'bn3.running_mean',
      'bn3.running_var',
    ]);
  });

  it("follows Keras' Dense defaults on request: kernels within ±sqrt(6/(fan_in + fan_out)) (glorot_uniform), biases 0", () => {
    const net = new Network({ kind: 'mlp', hidden: [128], init: 'keras' }, [1, 28, 28], 10);
    const [w1, b1, w2, b2] = net.initWeights(0);
    for (const [w, bound] of [
      [w1!, Math.sqrt(6 / (784 + 128))],
      [w2!, Math.sqrt(6 / (128 + 10))],
    ] as const) {
      const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.99 * bound);
      expect(w.reduce((s, v) => s + v * v, 0) / w.length / ((bound * bound) / 3)).toBeCloseTo(1, 1);
    }
    expectEvery([...b1!, ...b2!], (v) => v === 0);
  });

  it('depends on (model, seed) only: same seed gives the same bytes, another seed differs', () => {
    const a = new Network({ kind: 'mlp', hidden: [32] }, [1, 28, 28], 10);
    const b = new Network({ kind: 'mlp', hidden: [32] }, [1, 28, 28], 10);
    expect(a.initWeights(5)).toEqual(b.initWeights(5));
    expect(a.initWeights(5)[0]).not.toEqual(a.initWeights(6)[0]);
  });

  it('constant tensors (batch norm) draw nothing: the random tensors around them get the same values', () => {
    const u = (name: string, n: number) => ({ name, shape: [n], init: { kind: 'uniform', fanIn: 4 } as const });
    const c = { name: 'bn.weight', shape: [3], init: { kind: 'constant', value: 1 } as const };
    const a = initTensors([u('a', 5), u('b', 7)], createRng(1, 'init'));
    const b = initTensors([u('a', 5), c, u('b', 7)], createRng(1, 'init'));
    expect([b[0], b[2]]).toEqual(a);
    expect(Array.from(b[1]!)).toEqual([1, 1, 1]);
  });
});

describe('cross-entropy reference', () => {
  it('equals log(K) for all-zero logits', () => {
    expect(refCrossEntropy(new Float64Array(2 * 5), [1, 3], 5)).toBeCloseTo(Math.log(5), 12);
  });
});
