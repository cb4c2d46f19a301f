// Forward mode (src/core/onnx/forward-mode.ts): every rule's Jacobian-vector product against central
// finite differences of the operator it differentiates, (f(x + h·t) − f(x − h·t)) / 2h, run
// by onnxruntime on the original one-node graph. Central differences are exact for linear
// and bilinear operators up to float32 rounding, and O(h²) off for smooth ones; inputs of the
// kinked ones (ReLU, leaky ReLU, max-pool) keep a margin from their kinks and ties that the
// step never crosses.
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import { float, GraphBuilder, type AttrValue } from '../../src/core/onnx/graph.ts';
import { forwardMode, tangentName } from '../../src/core/onnx/forward-mode.ts';
import { NCHWC, nchwcBlockSize, reorderFilter, unblock } from '../../src/core/onnx/nchwc.ts';
import { Network } from '../../src/core/model/network.ts';
import { PORTABLE } from '../../src/core/onnx/graph.ts';

interface Input {
  readonly shape: readonly number[];
  /** Value i of this input (default: a smooth pseudo-random value in [-1, 1]). */
  readonly value?: (i: number) => number;
  /** Whether it gets a tangent (default true). */
  readonly tangent?: boolean;
}

interface Case {
  readonly name: string;
  readonly inputs: readonly Input[];
  readonly build: (g: GraphBuilder, xs: string[]) => string;
  /** The finite-difference step (default 1e-2). */
  readonly h?: number;
  /** Relative L2 error allowed (default 1e-4: linear and bilinear). */
  readonly tol?: number;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const wave = (seed: number) => (i: number) => Math.sin(1.3 + seed * 2.1 + i * 0.731) * Math.cos(i * 0.197 + seed);
/** Values at least 0.3 away from 0 (for kinks at 0). */
const offZero = (seed: number) => (i: number) => {
  const v = wave(seed)(i);
  return Math.sign(v || 1) * (0.3 + Math.abs(v));
};
/** Distinct values, at least 0.05 apart (for max-pool ties; steps of h = 0.01 along |t| ≤ 1 keep their order). */
const distinct = (n: number) => (i: number) => ((i * 7919) % n) * 0.05 - n * 0.025;

async function check(c: Case): Promise<number> {
  const g = new GraphBuilder('case');
  const names = c.inputs.map((_, k) => g.input(`x${k}`, 'float32', c.inputs[k]!.shape));
  g.output(c.build(g, names), 'y', 'float32', null);
  const bytes = g.toBytes();
  const seeds = names.filter((_, k) => c.inputs[k]!.tangent !== false);
  const jvp = await ort.InferenceSession.create(forwardMode(bytes, { seeds, outputs: ['y'] }));
  const plain = await ort.InferenceSession.create(bytes);
  const values = c.inputs.map((x, k) => Float32Array.from({ length: size(x.shape) }, (_, i) => (x.value ?? wave(k))(i)));
  const tangents = c.inputs.map((x, k) => Float32Array.from({ length: size(x.shape) }, (_, i) => wave(10 + k)(i)));
  const feeds = (shift: number) =>
    Object.fromEntries(
      names.map((n, k) => [
        n,
        new ort.Tensor('float32', c.inputs[k]!.tangent === false ? values[k]! : values[k]!.map((v, i) => v + shift * tangents[k]![i]!), [
          ...c.inputs[k]!.shape,
        ]),
      ]),
    );
  const tanFeeds = Object.fromEntries(
    seeds.map((n) => [tangentName(n), new ort.Tensor('float32', tangents[names.indexOf(n)]!, [...c.inputs[names.indexOf(n)]!.shape])]),
  );
  const got = (await jvp.run({ ...feeds(0), ...tanFeeds }))[tangentName('y')]!.data as Float32Array;
  const h = c.h ?? 1e-2;
  const plus = (await plain.run(feeds(h))).y!.data as Float32Array;
  const minus = (await plain.run(feeds(-h))).y!.data as Float32Array;
  expect(got.length).toBe(plus.length);
  let err = 0;
  let ref = 0;
  for (let i = 0; i < got.length; i++) {
    const fd = (plus[i]! - minus[i]!) / (2 * h);
    err += (got[i]! - fd) ** 2;
    ref += fd ** 2;
  }
  expect(ref, `${c.name}: the finite difference is not zero`).toBeGreaterThan(0);
  return Math.sqrt(err / ref);
}

const unary = (op: string, attrs: Record<string, AttrValue> = {}, value?: (i: number) => number, tol = 1e-3, h = 1e-2): Case => ({
  name: op,
  inputs: [{ shape: [3, 5], value }],
  build: (g, [x]) => g.node(op, [x!], attrs),
  tol,
  h,
});

const CASES: Case[] = [
  // Linear in the data: reshaping, selecting, reducing, padding.
  { name: 'Reshape', inputs: [{ shape: [2, 6] }], build: (g, [x]) => g.node('Reshape', [x!, g.ints([3, 4])]) },
  { name: 'Flatten', inputs: [{ shape: [2, 3, 2] }], build: (g, [x]) => g.node('Flatten', [x!], { axis: 1 }) },
  { name: 'Transpose', inputs: [{ shape: [2, 3, 4] }], build: (g, [x]) => g.node('Transpose', [x!], { perm: [2, 0, 1] }) },
  { name: 'Squeeze/Unsqueeze', inputs: [{ shape: [3, 1, 4] }], build: (g, [x]) => g.node('Unsqueeze', [g.node('Squeeze', [x!, g.ints([1])]), g.ints([0])]) },
  { name: 'Expand', inputs: [{ shape: [1, 4] }], build: (g, [x]) => g.node('Expand', [x!, g.ints([3, 4])]) },
  { name: 'Slice', inputs: [{ shape: [4, 6] }], build: (g, [x]) => g.node('Slice', [x!, g.ints([1, 0]), g.ints([4, 6]), g.ints([0, 1]), g.ints([2, 3])]) },
  { name: 'Gather', inputs: [{ shape: [5, 3] }], build: (g, [x]) => g.node('Gather', [x!, g.constant('int64', [4], [4, 0, 4, 2])], { axis: 0 }) },
  {
    name: 'GatherElements',
    inputs: [{ shape: [2, 3] }],
    build: (g, [x]) => g.node('GatherElements', [x!, g.constant('int64', [2, 2], [2, 0, 1, 1])], { axis: 1 }),
  },
  { name: 'ReduceSum', inputs: [{ shape: [3, 4, 2] }], build: (g, [x]) => g.node('ReduceSum', [x!, g.ints([1])], { keepdims: 0 }) },
  { name: 'ReduceMean', inputs: [{ shape: [3, 4, 2] }], build: (g, [x]) => g.node('ReduceMean', [x!], { axes: [0, 2], keepdims: 1 }) },
  { name: 'AveragePool', inputs: [{ shape: [1, 2, 4, 4] }], build: (g, [x]) => g.node('AveragePool', [x!], { kernel_shape: [2, 2], strides: [2, 2] }) },
  { name: 'GlobalAveragePool', inputs: [{ shape: [2, 3, 3, 3] }], build: (g, [x]) => g.node('GlobalAveragePool', [x!]) },
  { name: 'Neg', inputs: [{ shape: [4] }], build: (g, [x]) => g.node('Neg', [x!]) },
  {
    name: 'Pad (constant 2, the tangent pads with 0)',
    inputs: [{ shape: [1, 2, 3] }],
    build: (g, [x]) => g.node('Pad', [x!, g.ints([0, 1, 0, 0, 0, 2]), g.scalar(2)]),
  },
  {
    name: 'Concat (one input without a tangent)',
    inputs: [{ shape: [2, 3] }, { shape: [2, 2], tangent: false }, { shape: [2, 1] }],
    build: (g, [a, b, c]) => g.node('Concat', [a!, b!, c!], { axis: 1 }),
  },
  {
    name: 'ScatterElements (add)',
    inputs: [{ shape: [6] }, { shape: [4] }],
    build: (g, [d, u]) => g.node('ScatterElements', [d!, g.constant('int64', [4], [1, 3, 1, 5]), u!], { axis: 0, reduction: 'add' }),
  },
  {
    name: 'Where (tangent on one branch)',
    inputs: [{ shape: [2, 3] }, { shape: [2, 3], tangent: false }],
    build: (g, [a, b]) => g.node('Where', [g.node('Greater', [b!, g.scalar(0)]), a!, b!]),
  },
  { name: 'Cast float to float', inputs: [{ shape: [3] }], build: (g, [x]) => g.node('Cast', [x!], { to: 1 }) },
  // Sums and products, with broadcasting, and with only one side carrying a tangent.
  { name: 'Add (broadcast)', inputs: [{ shape: [3, 4] }, { shape: [4] }], build: (g, [a, b]) => g.node('Add', [a!, b!]) },
  { name: 'Add (only the broadcast side)', inputs: [{ shape: [3, 4], tangent: false }, { shape: [4] }], build: (g, [a, b]) => g.node('Add', [a!, b!]) },
  { name: 'Sub (only the broadcast side)', inputs: [{ shape: [3, 4], tangent: false }, { shape: [1, 4] }], build: (g, [a, b]) => g.node('Sub', [a!, b!]) },
  { name: 'Sum', inputs: [{ shape: [2, 3] }, { shape: [3] }], build: (g, [a, b]) => g.node('Sum', [a!, b!]) },
  { name: 'Mul (broadcast)', inputs: [{ shape: [3, 4] }, { shape: [3, 1] }], build: (g, [a, b]) => g.node('Mul', [a!, b!]) },
  {
    name: 'Div',
    inputs: [{ shape: [3, 4] }, { shape: [3, 4], value: (i) => 1 + 0.5 * Math.sin(i) }],
    build: (g, [a, b]) => g.node('Div', [a!, b!]),
    tol: 1e-3,
  },
  {
    name: 'Div (divisor only)',
    inputs: [
      { shape: [3, 4], tangent: false },
      { shape: [4], value: (i) => 1.5 + Math.sin(i) },
    ],
    build: (g, [a, b]) => g.node('Div', [a!, b!]),
    tol: 1e-3,
  },
  { name: 'MatMul (batched)', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], build: (g, [a, b]) => g.node('MatMul', [a!, b!]) },
  {
    name: 'Gemm (transposes, alpha, beta, C)',
    inputs: [{ shape: [4, 3] }, { shape: [5, 4] }, { shape: [5] }],
    build: (g, [a, b, c]) => g.node('Gemm', [a!, b!, c!], { transA: 1, transB: 1, alpha: float(0.7), beta: float(1.3) }),
  },
  {
    name: 'Gemm (C only)',
    inputs: [{ shape: [4, 3], tangent: false }, { shape: [3, 5], tangent: false }, { shape: [5] }],
    build: (g, [a, b, c]) => g.node('Gemm', [a!, b!, c!], { beta: float(1.3) }),
  },
  {
    name: 'Conv (stride 2, pads, bias)',
    inputs: [{ shape: [2, 3, 7, 7] }, { shape: [4, 3, 3, 3] }, { shape: [4] }],
    build: (g, [x, w, b]) => g.node('Conv', [x!, w!, b!], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  {
    name: 'Conv (bias only)',
    inputs: [{ shape: [2, 3, 5, 5], tangent: false }, { shape: [4, 3, 3, 3], tangent: false }, { shape: [4] }],
    build: (g, [x, w, b]) => g.node('Conv', [x!, w!, b!], { kernel_shape: [3, 3] }),
  },
  {
    name: 'Conv (grouped, weights only)',
    inputs: [{ shape: [1, 4, 5, 5], tangent: false }, { shape: [4, 2, 3, 3] }],
    build: (g, [x, w]) => g.node('Conv', [x!, w!], { kernel_shape: [3, 3], group: 2 }),
  },
  {
    name: 'ConvTranspose (stride 2, output padding)',
    inputs: [{ shape: [2, 4, 3, 3] }, { shape: [4, 3, 3, 3] }],
    build: (g, [x, w]) => g.node('ConvTranspose', [x!, w!], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
  },
  // Pointwise nonlinearities (kinked ones away from their kinks).
  unary('Relu', {}, offZero(0), 1e-4),
  unary('LeakyRelu', { alpha: float(0.2) }, offZero(1), 1e-4),
  unary('Tanh'),
  unary('Sigmoid'),
  unary('Exp'),
  unary('Erf'),
  unary('Log', {}, (i) => 1 + 0.5 * Math.sin(i)),
  unary('Sqrt', {}, (i) => 1 + 0.5 * Math.sin(i)),
  unary('Reciprocal', {}, (i) => 1 + 0.5 * Math.sin(i)),
  unary('LogSoftmax', { axis: 1 }),
  unary('Softmax', { axis: -1 }),
  { name: 'ReduceSumSquare', inputs: [{ shape: [3, 4] }], build: (g, [x]) => g.node('ReduceSumSquare', [x!], { axes: [1], keepdims: 0 }), tol: 1e-3 },
  { name: 'ReduceSumSquare (all axes)', inputs: [{ shape: [3, 4] }], build: (g, [x]) => g.node('ReduceSumSquare', [x!], { keepdims: 0 }), tol: 1e-3 },
  {
    name: 'MaxPool (the Indices output added)',
    inputs: [{ shape: [2, 2, 4, 4], value: distinct(64) }],
    build: (g, [x]) => g.node('MaxPool', [x!], { kernel_shape: [2, 2], strides: [2, 2] }),
  },
  {
    name: 'MaxPool (Indices already read, overlapping windows)',
    inputs: [{ shape: [1, 2, 5, 5], value: distinct(50) }],
    build: (g, [x]) => {
      const [y, i] = g.nodeN('MaxPool', [x!], 2, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
      // Indices scaled down: a constant, whose size would only add float32 rounding to the differences.
      return g.node('Add', [y!, g.node('Mul', [g.node('Cast', [i!], { to: 1 }), g.scalar(1e-3)])]);
    },
  },
];

describe('forward mode: each rule against central finite differences of its operator', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      expect(await check(c)).toBeLessThanOrEqual(c.tol ?? 1e-4);
    });
  }

  it('chains rules through a graph: a tanh layer, a residual sum and a log-softmax', async () => {
    const err = await check({
      name: 'chain',
      inputs: [{ shape: [4, 6] }, { shape: [6, 6] }, { shape: [6] }],
      build: (g, [x, w, b]) => {
        const h = g.node('Tanh', [g.node('Add', [g.node('MatMul', [x!, w!]), b!])]);
        return g.node('LogSoftmax', [g.node('Add', [h, x!])], { axis: 1 });
      },
      tol: 1e-3,
    });
    expect(err).toBeLessThanOrEqual(1e-3);
  });
});

const block = await nchwcBlockSize();

describe.skipIf(block === 0)("forward mode: onnxruntime's blocked (NCHWc) operators", () => {
  // 16 or 32 channels, weights scaled down and a per-channel bias of ±2, so every
  // pre-activation stays clear of the ReLU's kink under the finite-difference steps.
  const c = 2 * block;
  const conv = (opts: { relu: boolean; sum: boolean }): Case => ({
    name: `Conv${opts.relu ? ' + ReLU' : ''}${opts.sum ? ' + Sum' : ''}`,
    inputs: [
      { shape: [2, c, 5, 5] },
      { shape: [c, c, 3, 3], value: (i) => 0.05 * wave(1)(i) },
      { shape: [c], value: (i) => (i % 2 ? 2 : -2) },
      ...(opts.sum ? [{ shape: [2, c, 5, 5], value: (i: number) => 0.1 * wave(3)(i) }] : []),
    ],
    build: (g, [x, w, b, sum]) => {
      const blocked = (v: string) => g.node(`${NCHWC}:ReorderInput`, [v]);
      const inputs = [blocked(x!), reorderFilter(g, w!, [c, c, 3, 3], block), b!, ...(sum ? [blocked(sum)] : [])];
      return unblock(g, g.node(`${NCHWC}:Conv`, inputs, { kernel_shape: [3, 3], pads: [1, 1, 1, 1], ...(opts.relu ? { activation: 'Relu' } : {}) }), c);
    },
  });
  for (const opts of [
    { relu: false, sum: false },
    { relu: true, sum: false },
    { relu: true, sum: true },
  ]) {
    it(conv(opts).name, async () => {
      expect(await check(conv(opts))).toBeLessThanOrEqual(1e-4);
    });
  }

  it("a network's Hessian-vector products are the same on the blocked kernels as on standard operators", async () => {
    for (const spec of [
      { kind: 'resnet', depth: 8 },
      { kind: 'cnn', batchNorm: true },
    ] as const) {
      const shape = [1, 28, 28] as const;
      const native = new Network(spec, shape, 10);
      const portable = new Network(spec, shape, 10, { target: PORTABLE });
      const w = native.initWeights(0);
      const n = 8;
      const x = Float32Array.from({ length: n * 784 }, (_, i) => (wave(5)(i) + 1) / 2);
      const y = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 10));
      const v = native.params.map((p, k) => Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => wave(20 + k)(i)));
      const a = await native.hvp(w, v, x, y, n);
      const b = await portable.hvp(w, v, x, y, n);
      a.forEach((t, k) => {
        const err = Math.sqrt(t.reduce((s, u, i) => s + (u - b[k]![i]!) ** 2, 0) / b[k]!.reduce((s, u) => s + u * u, 0));
        expect(err, `${spec.kind} ${native.params[k]!.name}`).toBeLessThan(1e-4);
      });
      await native.release();
      await portable.release();
    }
  }, 180_000);
});

describe('forward mode: what it refuses and what it leaves alone', () => {
  const graph = (op: string) => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [3]);
    g.output(g.node(op, [x, g.scalar(2)]), 'y', 'float32', [3]);
    g.output(g.node('Shape', [x]), 's', 'int64', [1]);
    return g.toBytes();
  };

  it('refuses an operator without a rule, naming it, its node and the operators it knows', () => {
    expect(() => forwardMode(graph('Pow'), { seeds: ['x'], outputs: ['y'] })).toThrow(/no rule for Pow \(node "nPow_\d+"\); rules exist for .*Conv.*MaxPool/);
  });

  it('refuses seeds and outputs the graph does not have, or that are not float', () => {
    expect(() => forwardMode(graph('Mul'), { seeds: ['w'], outputs: ['y'] })).toThrow(/no graph input "w" to seed/);
    expect(() => forwardMode(graph('Mul'), { seeds: ['x'], outputs: ['z'] })).toThrow(/no graph output "z"/);
  });

  it('gives an output that does not depend on the seeds a zero tangent of its shape, and integer results none', async () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [3]);
    const c = g.input('c', 'float32', [2]);
    g.output(g.node('Mul', [x, g.scalar(2)]), 'y', 'float32', [3]);
    g.output(g.node('Exp', [c]), 'z', 'float32', [2]);
    const s = await ort.InferenceSession.create(forwardMode(g.toBytes(), { seeds: ['x'], outputs: ['y', 'z'], keep: ['y'] }));
    const f32 = (a: number[]) => new ort.Tensor('float32', Float32Array.from(a), [a.length]);
    const out = await s.run({ x: f32([1, 2, 3]), c: f32([0, 1]), [tangentName('x')]: f32([1, -1, 0.5]) });
    expect(Array.from(out[tangentName('y')]!.data as Float32Array)).toEqual([2, -2, 1]);
    expect(Array.from(out[tangentName('z')]!.data as Float32Array)).toEqual([0, 0]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 4, 6]);
    expect(Object.keys(out).sort()).toEqual([tangentName('y'), tangentName('z'), 'y'].sort());
  });
});
