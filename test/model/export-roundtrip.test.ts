// Export -> import gives the same logits, for every model optrobust trains: every model of
// every shipped suite, and generated ones (fast-check) over families, sizes (both sides of the
// feature-major threshold), activations, batch norm and dropout, on both engine targets (the
// machine's blocked kernels and the portable standard operators). The exported file is read
// back by the importer `evaluate` uses, so a file `export` writes is one `evaluate` accepts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildModel, type ModelSpec } from '../../src/core/model/families/registry.ts';
import { buildGraph } from '../../src/core/model/graphs.ts';
import { Network } from '../../src/core/model/network.ts';
import { importOnnx } from '../../src/core/model/import/import.ts';
import { EXPORT, PORTABLE } from '../../src/core/onnx/graph.ts';
import { FEATURE_MAJOR_MIN_UNITS } from '../../src/core/model/layers/dense.ts';
import { suiteModels } from '../../src/run/experiment/grid.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { SHIPPED_SUITES } from '../../suites/index.ts';
import { loadSuite } from '../../harness/load-suite.ts';

const MNIST: [number, number, number] = [1, 28, 28];
const CIFAR: [number, number, number] = [3, 32, 32];

/** Trained-looking weights: the seeded initialisation with every tensor (buffers too) jittered, so batch norm's statistics are not the identity. */
function weightsFor(net: Network, seed: number): Float32Array[] {
  const rng = createRng(seed, 'roundtrip');
  return net.initWeights(seed).map((w, i) => {
    const isBuffer = i >= net.params.length;
    return w.map((v) => (isBuffer && net.buffers[i - net.params.length]!.name.endsWith('var') ? 0.5 + rng() : v + 0.05 * (rng() - 0.5)));
  });
}

async function roundTrip(spec: ModelSpec, shape: readonly number[], classes: number, seed: number): Promise<void> {
  const n = 5;
  const rng = createRng(seed, 'x');
  const x = Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng());
  for (const target of [undefined, PORTABLE]) {
    const net = new Network(spec, shape, classes, target ? { target } : {});
    const weights = weightsFor(net, seed);
    const ours = await net.predict(weights, x, n);
    await net.release();
    const bytes = buildGraph(buildModel(spec, shape, classes), 'predict', classes, EXPORT, weights);
    const back = importOnnx(bytes, 'exported.onnx');
    const again = new Network(spec, shape, classes, target ? { target } : {}, { ...back.model, initial: back.weights });
    const theirs = await again.predict(again.initWeights(0), x, n);
    await again.release();
    expect(theirs).toHaveLength(n * classes);
    const scale = Math.max(1, ...Array.from(ours, Math.abs));
    const worst = Math.max(...Array.from(theirs, (v, i) => Math.abs(v - ours[i]!)));
    // The same layers and weights; only GEMM and convolution blocking may differ (float32 rounding).
    expect(worst / scale, `${JSON.stringify(spec)} on ${target ? 'portable' : 'native'} operators`).toBeLessThan(2e-5);
  }
}

describe('export -> import round trip', () => {
  it('gives the same logits for every model of every shipped suite', async () => {
    const seen = new Set<string>();
    for (const name of Object.keys(SHIPPED_SUITES)) {
      const suite = await loadSuite(name);
      const shape = suite.dataset.startsWith('cifar') ? CIFAR : MNIST;
      for (const { spec } of suiteModels(suite)) {
        const id = `${JSON.stringify(spec)}${shape.join()}`;
        if (seen.has(id)) continue;
        seen.add(id);
        await roundTrip(spec, shape, 10, seen.size);
      }
    }
    // mlp [256, 128] (the default), [32], [128], the deep MLPs, the CNN on both datasets.
    expect(seen.size).toBeGreaterThanOrEqual(7);
  });

  it('gives the same logits for generated models of every family, size and layout', async () => {
    const width = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: FEATURE_MAJOR_MIN_UNITS, max: FEATURE_MAJOR_MIN_UNITS + 80 }));
    const act = fc.constantFrom('relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu');
    const mlp = fc.record({
      kind: fc.constant('mlp'),
      hidden: fc.array(width, { minLength: 1, maxLength: 3 }),
      activation: act,
      batchNorm: fc.boolean(),
      dropout: fc.constantFrom(0, 0.3),
    });
    const cnn = fc.record({
      kind: fc.constant('cnn'),
      convs: fc.array(fc.record({ channels: fc.integer({ min: 1, max: 20 }), stride: fc.constantFrom(1, 2) }), { minLength: 1, maxLength: 2 }),
      batchNorm: fc.boolean(),
      pool: fc.constantFrom(undefined, 'max', 'avg'),
      activation: act,
    });
    const resnet = fc.record({ kind: fc.constant('resnet'), depth: fc.constant(8), width: fc.constantFrom(4, 8), shortcut: fc.constantFrom('A', 'B') });
    const lenet = fc.constant({ kind: 'lenet5' });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mlp, mlp, cnn, resnet, lenet),
        fc.constantFrom(MNIST, CIFAR),
        fc.integer({ min: 2, max: 12 }),
        fc.nat(1000),
        async (raw, shape, classes, seed) => {
          const spec = JSON.parse(JSON.stringify(raw)) as ModelSpec;
          await roundTrip(spec, shape, classes, seed);
        },
      ),
      { numRuns: Number(process.env.OPTROBUST_SLOW ? 300 : 60), seed: 29 },
    );
  });
});
