// ONNX import against PyTorch and onnxruntime: the fixtures in test/fixtures/onnx were
// exported by torch.onnx.export, and reference.json holds what PyTorch computed with them
// (scripts/reference/onnx_fixtures.py). Logits are compared with onnxruntime running the
// original file, gradients with PyTorch autograd, 30 SGD steps with PyTorch's losses on the
// same batches.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { InputError } from '../../src/errors.ts';
import { Network } from '../../src/core/model/network.ts';
import { importOnnx, importOnnxFile } from '../../src/core/model/import/import.ts';
import { fold } from '../../src/core/model/import/fold.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng, permutation } from '../../src/core/util/rng.ts';
import type { ModelSpec } from '../../src/core/model/families/registry.ts';
import type { ModelGraph } from '../../src/core/model/model.ts';
import { buildGraph } from '../../src/core/model/graphs.ts';
import { EXPORT } from '../../src/core/onnx/graph.ts';

const DIR = 'test/fixtures/onnx';
const ref = JSON.parse(readFileSync(`${DIR}/reference.json`, 'utf8'));
const ds = loadDataset('fashion-mnist-subset');
const N = 16;
const x = ds.test.images.slice(0, N * 784);
const y = BigInt64Array.from(ds.test.labels.slice(0, N), (v) => BigInt(v));

const nets: Network[] = [];
function network(file: string): Network {
  const net = new Network({ kind: 'onnx', path: `${DIR}/${file}` } as ModelSpec, [1, 28, 28], 10, { threads: 1 });
  nets.push(net);
  return net;
}
function network0(spec: ModelSpec, model?: ModelGraph): Network {
  const net = new Network(spec, [1, 28, 28], 10, { threads: 1 }, model);
  nets.push(net);
  return net;
}
afterAll(async () => {
  for (const n of nets) await n.release();
});

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
/** The entries the reference sampled: all of them for small tensors, else floor((k + 0.5)·n/200). */
const sample = (a: ArrayLike<number>) =>
  a.length <= 200 ? Array.from(a) : Array.from({ length: 200 }, (_, k) => a[Math.floor(((k + 0.5) * a.length) / 200)]!);

/** Gradient `ours` matches PyTorch's {sample, norm} to 1e-4 relative to the tensor's scale. */
function expectGradient(ours: ArrayLike<number>, theirs: { sample: number[]; norm: number }, what: string) {
  const scale = maxAbs(theirs.sample);
  expect(Math.abs(norm(ours) - theirs.norm) / theirs.norm, `${what}: norm`).toBeLessThan(1e-4);
  expect(maxDiff(sample(ours), theirs.sample) / scale, `${what}: entries`).toBeLessThan(1e-4);
}

async function ortLogits(file: string): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(`${DIR}/${file}`, { intraOpNumThreads: 1 });
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [N, 1, 28, 28]) });
  await s.release();
  return out[s.outputNames[0]!]!.data as Float32Array;
}

const logSoftmax = (logits: Float32Array, k: number) =>
  Array.from(logits, (v, i) => {
    const row = logits.subarray(Math.floor(i / k) * k, Math.floor(i / k) * k + k);
    const m = Math.max(...row);
    return v - m - Math.log(row.reduce((s, u) => s + Math.exp(u - m), 0));
  });

describe('imported models compute what the original file computes', () => {
  for (const file of ['mlp.onnx', 'lenet.onnx', 'resnet-eval.onnx', 'trained-lenet.onnx']) {
    it(`${file}: logits equal onnxruntime's run of the file to 1e-5`, async () => {
      const net = network(file);
      const ours = await net.predict(net.initWeights(0), x, N);
      const theirs = await ortLogits(file);
      expect(ours.length).toBe(theirs.length);
      expect(maxDiff(ours, theirs)).toBeLessThan(1e-5);
    });
  }

  it('resnet-train.onnx (exported in training mode) evaluates with its running statistics as PyTorch does', async () => {
    const net = network('resnet-train.onnx');
    expect(net.buffers.length).toBe(14); // 7 batch norms: running mean and variance each
    expect(maxDiff(await net.predict(net.initWeights(0), x, N), ref.resnet.eval.logits)).toBeLessThan(1e-5);
  });

  it('gelu.onnx: the Erf pattern is one GELU layer and the final LogSoftmax is dropped', async () => {
    const m = importOnnxFile(`${DIR}/gelu.onnx`);
    const ops = m.model.nodes.map((n) => n.layer.kind.op);
    expect(ops).toEqual(['conv2d', 'activation', 'avgPool2d', 'conv2d', 'activation', 'globalAvgPool', 'dropout', 'dense']);
    expect(m.model.nodes.filter((n) => n.layer.kind.op === 'activation').map((n) => (n.layer.kind as { fn: string }).fn)).toEqual(['gelu', 'leakyRelu']);
    const net = network('gelu.onnx');
    expect(maxDiff(logSoftmax(await net.predict(net.initWeights(0), x, N), 10), ref.gelu.eval.logits)).toBeLessThan(1e-5);
  });
});

describe('gradients equal PyTorch autograd', () => {
  const cases: [string, string][] = [
    ['mlp.onnx', 'mlp'],
    ['lenet.onnx', 'lenet'],
    ['resnet-train.onnx', 'resnet'],
    ['gelu.onnx', 'gelu'],
  ];
  for (const [file, key] of cases) {
    it(`${file}: loss and every parameter gradient in training mode, to 1e-4 relative`, async () => {
      const net = network(file);
      const noise = key === 'gelu' ? [Float32Array.from(ref.gelu.mask)] : [];
      const r = await net.trainStep(net.initWeights(0), x, y, N, noise);
      expect(Math.abs(r.loss - ref[key].train.loss) / ref[key].train.loss).toBeLessThan(1e-5);
      const sources = importOnnxFile(`${DIR}/${file}`).sources;
      const grads = ref[key].train.grads as Record<string, { sample: number[]; norm: number }>;
      expect(net.params.length).toBe(Object.keys(grads).length);
      net.params.forEach((p, i) => expectGradient(r.grads[i]!, grads[sources[i]!]!, `${file} ${p.name} (${sources[i]})`));
    });
  }
  for (const [file, key] of [
    ['mlp.onnx', 'mlp'],
    ['lenet.onnx', 'lenet'],
    ['resnet-eval.onnx', 'resnet'],
    ['resnet-train.onnx', 'resnet'],
    ['gelu.onnx', 'gelu'],
  ] as const) {
    it(`${file}: input gradient in evaluation mode, to 1e-4 relative`, async () => {
      const net = network(file);
      const r = await net.inputGrad(net.initWeights(0), x, y, N);
      expectGradient(r.dx, { sample: ref[key].eval.dx, norm: ref[key].eval.dx_norm }, `${file} dx`);
    });
  }
});

describe('training from the file reproduces PyTorch', () => {
  const order = permutation(ds.train.count, createRng(0, 'shuffle'));
  for (const [file, key] of [
    ['mlp.onnx', 'mlp'],
    ['lenet.onnx', 'lenet'],
    ['resnet-train.onnx', 'resnet'],
  ] as const) {
    it(`${file}: 30 SGD steps (lr 0.05) from the file's weights give PyTorch's losses (1e-5 relative, or PyTorch float32's own deviation)`, async () => {
      const net = network(file);
      const w = net.initWeights(0);
      const P = net.params.length;
      const bx = new Float32Array(128 * 784);
      const by = new BigInt64Array(128);
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) {
        for (let k = 0; k < 128; k++) {
          const i = order[s * 128 + k]!;
          bx.set(ds.train.images.subarray(i * 784, (i + 1) * 784), k * 784);
          by[k] = BigInt(ds.train.labels[i]!);
        }
        const r = await net.trainStep(w, bx, by, 128);
        losses.push(r.loss);
        for (let p = 0; p < P; p++) for (let j = 0; j < w[p]!.length; j++) w[p]![j] = Math.fround(w[p]![j]! - Math.fround(0.05 * r.grads[p]![j]!));
        r.buffers.forEach((b, k) => w[P + k]!.set(b));
      }
      // Against PyTorch in float64; the bound is 1e-5, or PyTorch float32's own deviation where
      // roundoff alone moves the losses further (the residual network with batch norm amplifies it).
      const exact = ref[key].sgd_losses_float64 as number[];
      const worst = (ls: readonly number[]) => Math.max(...ls.map((l, i) => Math.abs(l - exact[i]!) / exact[i]!));
      const bound = Math.max(1e-5, worst(ref[key].sgd_losses));
      if (key !== 'resnet') expect(bound).toBe(1e-5);
      expect(worst(losses)).toBeLessThanOrEqual(bound);
    });
  }
});

describe('weights', () => {
  it("'file' starts from the file's weights, 'seeded' from the suite seed", () => {
    const m = importOnnxFile(`${DIR}/lenet.onnx`);
    const file = new Network({ kind: 'onnx', path: `${DIR}/lenet.onnx` } as ModelSpec, [1, 28, 28], 10);
    expect(file.initWeights(0).map((w) => Array.from(w))).toEqual(m.weights.map((w) => Array.from(w)));
    expect(file.initWeights(3)).toEqual(file.initWeights(0));
    const seeded = new Network({ kind: 'onnx', path: `${DIR}/lenet.onnx`, weights: 'seeded' } as ModelSpec, [1, 28, 28], 10);
    const [a, b] = [seeded.initWeights(0), seeded.initWeights(1)];
    expect(a[0]).not.toEqual(b[0]);
    // PyTorch's default for a conv weight: U(±1/√fan_in), fan_in = 1·5·5.
    expect(maxAbs(a[0]!)).toBeLessThanOrEqual(1 / 5);
    expect(maxAbs(a[0]!)).toBeGreaterThan(0.9 / 5);
  });
});

// Refusals through the command line (exit 2, nothing written) are in test/harness/onnx.test.ts.
describe('files that cannot be imported are refused, naming the problem', () => {
  const lenet = readFileSync(`${DIR}/lenet.onnx`);
  /** lenet.onnx with `edit` applied to its decoded model. */
  const edited = (edit: (m: onnxProto.onnx.ModelProto) => void) => {
    const m = onnxProto.onnx.ModelProto.decode(lenet);
    edit(m);
    return onnxProto.onnx.ModelProto.encode(m).finish();
  };
  it('unsupported ops: every such node listed, with the supported list', () => {
    const bytes = edited((m) => {
      m.graph!.node!.find((n) => n.opType === 'MaxPool')!.opType = 'LpPool';
      m.graph!.node!.filter((n) => n.opType === 'Relu')[2]!.opType = 'Selu';
    });
    const error = (() => {
      try {
        importOnnx(bytes, 'odd.onnx');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toMatch(/odd\.onnx: 2 node\(s\) cannot be imported: LpPool "\/MaxPool", Selu "\/Relu_2"\. Supported: Gemm, MatMul/);
  });
  it('a model whose input does not fit the dataset', () => {
    expect(() => new Network({ kind: 'onnx', path: `${DIR}/lenet.onnx` } as ModelSpec, [3, 32, 32], 10)).toThrow(
      /lenet\.onnx: the model takes inputs of shape \[1, 28, 28\], the dataset has \[3, 32, 32\]/,
    );
    expect(() => new Network({ kind: 'onnx', path: `${DIR}/lenet.onnx` } as ModelSpec, [1, 28, 28], 26)).toThrow(/scores 10 classes, the dataset has 26/);
  });
});

describe('export', () => {
  // Every family, with batch-norm statistics and parameters away from their initial values.
  const specs: ModelSpec[] = [
    { kind: 'mlp', hidden: [32, 16], batchNorm: true, activation: 'gelu', dropout: 0.2 },
    { kind: 'cnn' },
    { kind: 'lenet5' },
    { kind: 'resnet', depth: 8, width: 4 },
  ];
  for (const spec of specs) {
    it(`${JSON.stringify(spec)}: onnxruntime runs the exported file as optrobust runs the model; importing it back gives the same numbers`, async () => {
      const net = network0(spec);
      const rng = createRng(5, 'export-test');
      const weights = net.initWeights(0).map((w, i) => {
        const isVar = i >= net.params.length && net.buffers[i - net.params.length]!.name.endsWith('running_var');
        return w.map((v) => (isVar ? 0.5 + rng() : v + 0.1 * (rng() - 0.5)));
      });
      const ours = await net.predict(weights, x, N);
      const bytes = buildGraph(net.model, 'predict', 10, EXPORT, weights);
      const s = await ort.InferenceSession.create(bytes);
      const theirs = (await s.run({ x: new ort.Tensor('float32', x, [N, 1, 28, 28]) })).logits!.data as Float32Array;
      await s.release();
      expect(maxDiff(theirs, ours)).toBeLessThan(1e-5);
      const back = importOnnx(bytes, 'exported.onnx');
      const again = network0(spec, { ...back.model, initial: back.weights });
      // The same parameters and buffers (a flatten may come back as a reshape, a shortcut as slice and pad).
      expect([...again.params, ...again.buffers].map((p) => p.shape)).toEqual([...net.params, ...net.buffers].map((p) => p.shape));
      expect(Array.from(await again.predict(again.initWeights(0), x, N))).toEqual(Array.from(ours));
    });
  }
});

describe('constant folding of the shape arithmetic exporters emit', () => {
  const t = (dims: number[], values: (number | 'N')[]) => ({ dims, values });
  it('x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat keep the batch size symbolic', () => {
    // Shape of a computed [N, 16, 5, 5] value is ['N', 16, 5, 5] (the importer's Shape rule).
    const batch = fold({ op: 'Gather', inputs: [t([4], ['N', 16, 5, 5]), t([], [0])], attrs: new Map([['axis', 0]]) });
    expect(batch).toEqual(t([], ['N']));
    const vec = fold({ op: 'Unsqueeze', inputs: [batch!, t([1], [0])], attrs: new Map() });
    expect(vec).toEqual(t([1], ['N']));
    expect(fold({ op: 'Concat', inputs: [vec!, t([1], [-1])], attrs: new Map([['axis', 0]]) })).toEqual(t([2], ['N', -1]));
    // Arithmetic on the batch size is not folded (the importer then names the node).
    expect(fold({ op: 'Mul', inputs: [vec!, t([], [2])], attrs: new Map() })).toBeUndefined();
  });
  it("F.pad's pads: ConstantOfShape, Concat, Reshape to pairs, Slice with step -1 (reverses the pairs), Transpose, Reshape", () => {
    // torch pads (0, 0, 0, 0, 2, 2) for [N, C, H, W] are (last axis first) W: 0 0, H: 0 0, C: 2 2;
    // ONNX wants [N_begin, C_begin, H_begin, W_begin, N_end, C_end, H_end, W_end] = [0, 2, 0, 0, 0, 2, 0, 0].
    const zeros = fold({ op: 'ConstantOfShape', inputs: [t([1], [2])], attrs: new Map([['value', { dims: [1], values: [0] }]]) })!;
    expect(zeros).toEqual(t([2], [0, 0]));
    const all = fold({ op: 'Concat', inputs: [t([6], [0, 0, 0, 0, 2, 2]), zeros], attrs: new Map([['axis', 0]]) })!;
    const pairs = fold({ op: 'Reshape', inputs: [all, t([2], [-1, 2])], attrs: new Map() })!;
    expect(pairs).toEqual(t([4, 2], [0, 0, 0, 0, 2, 2, 0, 0]));
    const reversed = fold({ op: 'Slice', inputs: [pairs, t([1], [-1]), t([1], [-(2 ** 63)]), t([1], [0]), t([1], [-1])], attrs: new Map() })!;
    expect(reversed).toEqual(t([4, 2], [0, 0, 2, 2, 0, 0, 0, 0]));
    const columns = fold({ op: 'Transpose', inputs: [reversed], attrs: new Map([['perm', [1, 0]]]) })!;
    expect(columns).toEqual(t([2, 4], [0, 2, 0, 0, 0, 2, 0, 0]));
    expect(fold({ op: 'Reshape', inputs: [columns, t([1], [-1])], attrs: new Map() })).toEqual(t([8], [0, 2, 0, 0, 0, 2, 0, 0]));
  });
});
