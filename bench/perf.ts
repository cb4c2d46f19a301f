// `npm run perf`: optrobust's own speed, with tinybench. Prints a table and writes JSON
// (default reports/perf.json) that `compare` can read. `--quick` runs a small subset
// briefly (the smoke test in npm test); `--threads 1,2` picks onnxruntime thread counts.
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import ort from 'onnxruntime-node';
import { Network } from '../src/core/model/network.ts';
import { size } from '../src/core/model/layer.ts';
import type { ModelSpec } from '../src/core/model/families/registry.ts';
import { loadDataset } from '../src/core/data/sources.ts';
import { BatchLoader } from '../src/core/data/batches.ts';
import { createOptimizer, optimizerDefinition } from '../src/core/optim/registry.ts';
import { instantiate, type Options } from '../src/core/optim/optimizer.ts';
import { Arena, Region } from '../src/core/optim/simd/arena.ts';
import { createRng } from '../src/core/util/rng.ts';
import { getPerturbation } from '../src/measure/perturb/registry.ts';
import { gradientOracle, memoizeFor } from '../src/measure/metrics/gradient-oracle.ts';
import { evaluate } from '../src/measure/metrics/evaluate.ts';
import { evaluateSweeps } from '../src/measure/metrics/robustness.ts';
import { environment } from '../src/run/experiment/manifest.ts';
import { writeFileAtomic } from '../src/core/util/atomic.ts';
import { GraphBuilder } from '../src/core/onnx/graph.ts';
import defaultSuite from '../suites/default.ts';
import { formatRow, type PerfResult, type PerfFile } from './perf-format.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports/perf.json' },
    threads: { type: 'string', default: '1,2' },
    only: { type: 'string' },
  },
});
const quick = flags.quick!;
const threads = flags.threads!.split(',').map(Number);
const only = flags.only ? new RegExp(flags.only) : undefined;
const BATCH = 128;
const ds = loadDataset('fashion-mnist-subset');

interface Task {
  readonly name: string;
  readonly group: string;
  readonly fn: () => unknown;
  /** Floating-point operations per call, for GFLOP/s. */
  readonly flops?: number;
  /** Items (images, parameters) per call, for throughput. */
  readonly items?: number;
  /** The task whose time this one is compared with (an optimizer's memory floor). */
  readonly floor?: string;
}
const tasks: Task[] = [];
const add = (t: Task) => {
  if (!only || only.test(t.name)) tasks.push(t);
};

/** Forward + backward FLOPs of a train step: 2·B·MACs forward, as much for dW, and dx except the first layer. */
function trainFlops(net: Network, batch: number): number {
  const macs = net.layers.map((l) => l.macs);
  const first = macs.find((m) => m > 0) ?? 0;
  return 2 * batch * (3 * macs.reduce((a, b) => a + b, 0) - first);
}

// --- the machine's practical ceiling: one large MatMul through onnxruntime-node.
const M = quick ? 512 : 2048;
for (const t of threads) {
  const g = new GraphBuilder('matmul');
  g.output(g.node('MatMul', [g.input('a', 'float32', [M, M]), g.input('b', 'float32', [M, M])]), 'c', 'float32', [M, M]);
  const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: t, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: M * M }, (_, i) => (i % 7) / 7),
    [M, M],
  );
  add({ name: `matmul ${M}^3, ${t} thread${t > 1 ? 's' : ''}`, group: 'ceiling', fn: () => session.run({ a, b: a }), flops: 2 * M ** 3 });
}

// --- train steps: bare session run, and the full step (batch assembly, session, gradients out, optimizer).
// ResNet-20 is the CIFAR model: it runs on 3x32x32 input (random pixels; only time is measured).
const CIFAR_SHAPE = [3, 32, 32] as const;
const models: [string, ModelSpec, readonly number[]][] = [
  ['mlp [256,128]', { kind: 'mlp', hidden: [256, 128] }, ds.shape],
  ...(quick
    ? []
    : ([
        ['mlp [1024,1024]', { kind: 'mlp', hidden: [1024, 1024] }, ds.shape],
        ['cnn', { kind: 'cnn' }, ds.shape],
        ['resnet-20 (3x32x32)', { kind: 'resnet', depth: 20 }, CIFAR_SHAPE],
      ] as [string, ModelSpec, readonly number[]][])),
];
for (const [label, spec, shape] of models) {
  for (const t of threads) {
    const net = new Network(spec, shape, 10, { threads: t });
    const session = await net.session('train');
    const weights = net.initWeights(0);
    const params = weights.slice(0, net.params.length);
    const buffers = weights.slice(net.params.length);
    const loader = new BatchLoader(ds.train, BATCH, createRng(0, 'shuffle'));
    let batches = loader.epoch();
    // A model on another input shape than the dataset's trains on one fixed batch of random pixels.
    const pixels = createRng(0, 'perf');
    const fixed =
      shape === ds.shape
        ? undefined
        : {
            x: Float32Array.from({ length: BATCH * size(shape) }, () => pixels()),
            y: BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 10)),
            n: BATCH,
          };
    const nextBatch = () => {
      if (fixed) return fixed;
      let b = batches.next();
      while (b.done || b.value.n < BATCH) b = (batches = loader.epoch()).next();
      return b.value;
    };
    const first = nextBatch();
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', Float32Array.from(first.x), [BATCH, ...shape]),
      y: new ort.Tensor('int64', BigInt64Array.from(first.y), [BATCH]),
    };
    [...net.params, ...net.buffers].forEach((p, i) => (feeds[p.name] = new ort.Tensor('float32', weights[i]!, p.shape as number[])));
    const flops = trainFlops(net, BATCH);
    const th = `${t} thread${t > 1 ? 's' : ''}`;
    add({ name: `${label} session only, ${th}`, group: 'train step', fn: () => session.run(feeds), flops });
    for (const optimizer of ['sgd', 'adam']) {
      const opt = createOptimizer(optimizer, { lr: 1e-9 });
      const own = opt.adopt(
        params,
        net.params.map((p) => p.shape),
      );
      let running: Float32Array[] = buffers.map((b) => Float32Array.from(b));
      add({
        name: `${label} full step ${optimizer}, ${th}`,
        group: 'train step',
        fn: async () => {
          const b = nextBatch();
          const r = await net.trainStep([...own, ...running], b.x, b.y, b.n);
          opt.step(own, r.grads);
          running = r.buffers;
        },
        flops,
      });
    }
  }
}

// --- optimizer steps over 1,000,000 parameters in four tensors (adopted, as the trainer does),
// each against the memory floor for the same bytes: a bare SIMD read-modify-write of p and as
// many state streams as the optimizer keeps, from g (`floor_k` in kernels.wat).
const SIZES = quick ? [40_000, 30_000, 20_000, 10_000] : [400_000, 300_000, 200_000, 100_000];
const P = SIZES.reduce((a, b) => a + b, 0);
const optGrads = SIZES.map((n) => Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-3));
const startParams = () => SIZES.map((n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i)));
const VARIANTS: readonly (readonly [string, Options])[] = [
  ['sgd', {}],
  ['sgd', { momentum: 0.9, weightDecay: 1e-4 }],
  ['sgd', { momentum: 0.9, nesterov: true }],
  ['adam', {}],
  ['adam', { amsgrad: true, weightDecay: 1e-4 }],
  ['adamw', {}],
  ['rmsprop', {}],
  ['rmsprop', { centered: true, momentum: 0.9 }],
  ['adagrad', { lrDecay: 1e-3, initialAccumulatorValue: 0.1 }],
  ['adadelta', {}],
  ['adamax', {}],
  ['nadam', {}],
  ['radam', {}],
  ['lion', { weightDecay: 0.1 }],
  ['adabelief', {}],
  ['adabelief', { amsgrad: true, rectify: false, weightDecouple: false, weightDecay: 1e-4 }],
  ['lamb', { weightDecay: 0.01 }],
  ['schedulefree_sgd', {}],
  ['schedulefree_adamw', { weightDecay: 1e-4 }],
  ['sophia', {}],
];
const floors = new Map<number, Task>();
for (const [name, options] of VARIANTS) {
  let states = 0;
  const def = optimizerDefinition(name);
  const opt = instantiate(
    {
      ...def,
      init: (n, o, arena, shape, role) => {
        const st = def.init(n, o, arena, shape, role) as Record<string, unknown>;
        states = Object.entries(st).filter(([k, r]) => r instanceof Region && k !== 'p' && k !== 'g').length;
        return st;
      },
    },
    { ...options, lr: 1e-9 },
  );
  const params = opt.adopt(startParams());
  opt.step(params, optGrads); // creates the state, so that the floor below knows its streams
  const label = `${name}${Object.keys(options).length ? ` ${JSON.stringify(options).replace(/"/g, '')}` : ''}`;
  if (!floors.has(states)) {
    const arena = new Arena();
    const regions = SIZES.map((n) => ({ g: arena.alloc(n), p: arena.alloc(n), s: Array.from({ length: states }, () => arena.alloc(n)) }));
    regions.forEach((r, i) => r.g.array.set(optGrads[i]!));
    const kernel = (arena.kernels as unknown as Record<string, (...a: number[]) => number>)[`floor_${states}`]!;
    const floor: Task = {
      name: `floor: p and ${states} state stream${states === 1 ? '' : 's'} += g (${P / 1e6}M params)`,
      group: 'optimizer step',
      fn: () => {
        for (const r of regions) kernel(r.p.offset, r.g.offset, ...r.s.map((x) => x.offset), r.p.length);
      },
      items: P,
    };
    floors.set(states, floor);
    add(floor);
  }
  add({ name: `${label} (${P / 1e6}M params)`, group: 'optimizer step', fn: () => opt.step(params, optGrads), items: P, floor: floors.get(states)!.name });
}

// --- optimizers that read tensor shapes, on the default MLP's own tensors ([256, 784],
// [256], [128, 256], [128], [10, 128], [10]), against Adam on the same tensors: Adafactor
// factors the matrices, Muon orthogonalises the hidden ones (Newton-Schulz GEMMs in
// onnxruntime), given the roles training gives them.
{
  const mlp = new Network({ kind: 'mlp', hidden: [256, 128] }, ds.shape, 10);
  const shapes = mlp.params.map((p) => p.shape);
  const start = mlp.initWeights(0).slice(0, shapes.length);
  const grads = start.map((t) => t.map((_, i) => Math.cos(i) * 1e-3));
  const items = start.reduce((a, t) => a + t.length, 0);
  for (const name of ['adam', 'adafactor', 'muon']) {
    const opt = createOptimizer(name, { lr: 1e-9 });
    const own = opt.adopt(start, shapes, mlp.roles);
    add({
      name: `${name} on mlp [256,128] tensors (${items} params)`,
      group: 'optimizer step (shaped)',
      fn: async () => {
        await opt.stepAsync(own, grads);
      },
      items,
    });
  }
}

// --- evaluation: each perturbation of the default sweep on the 2,000 test images with the mlp.
const evalNet = new Network({ kind: 'mlp', hidden: [256, 128] }, ds.shape, 10);
const evalParams = evalNet.initWeights(0);
const test = ds.test;
const oracle = memoizeFor(gradientOracle(evalNet, evalParams), test.images);
const sweeps = defaultSuite.perturbations;
add({ name: `clean (${test.count} images)`, group: 'evaluation', fn: () => evaluate(evalNet, evalParams, test), items: test.count });
for (const [name, severities] of Object.entries(sweeps)) {
  const s = severities[severities.length - 1]!;
  const p = getPerturbation(name);
  add({
    name: `${name} ${s} (${test.count} images)`,
    group: 'evaluation',
    fn: async () => {
      // FGSM's gradient is computed once per model and reused across eps, as in a real sweep;
      // a fresh oracle here would time that once-per-sweep cost for every severity.
      const images = await p.apply(
        { images: test.images, labels: test.labels, count: test.count, shape: ds.shape, rng: createRng(0, `perturb:${name}:${s}`), gradient: oracle },
        s,
      );
      return evaluate(evalNet, evalParams, test, images);
    },
    items: test.count,
  });
}
add({
  name: `default sweep: clean + ${Object.values(sweeps).flat().length} perturbed sets (${test.count} images)`,
  group: 'evaluation',
  fn: () => evaluateSweeps(evalNet, evalParams, test, ds.shape, sweeps, 0, memoizeFor(gradientOracle(evalNet, evalParams), test.images)),
  items: test.count * (1 + Object.values(sweeps).flat().length),
});

// --- run, one task at a time so tasks do not share the cores.
const results: PerfResult[] = [];
for (const task of tasks) {
  const bench = new Bench({ time: quick ? 20 : 1500, warmup: true, warmupTime: quick ? 10 : 300, iterations: quick ? 2 : 5 });
  bench.add(task.name, task.fn);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`benchmark "${task.name}" ${r.state}: ${'error' in r ? String(r.error) : ''}`);
  const ms = r.latency.mean;
  results.push({
    name: task.name,
    group: task.group,
    msPerOp: ms,
    moePercent: (100 * r.latency.moe) / ms,
    samples: r.latency.samplesCount,
    gflops: task.flops ? task.flops / ms / 1e6 : undefined,
    itemsPerSecond: task.items ? (task.items / ms) * 1000 : undefined,
    floor: task.floor,
  });
  process.stdout.write(`${formatRow(results[results.length - 1]!, results)}\n`);
}

const file: PerfFile = { format: 'optrobust-perf/1', quick, batch: BATCH, environment: await environment(), results };
writeFileAtomic(flags.out!, `${JSON.stringify(file, null, 2)}\n`);
process.stdout.write(`\nwrote ${flags.out}\n`);
