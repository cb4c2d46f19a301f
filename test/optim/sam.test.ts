// SAM and ASAM (src/core/optim/sam.ts) against davda54/sam's step around torch.optim.SGD and
// Adam (scripts/reference/sam_fixtures.py: a quadratic whose gradient a·(p - c) the test
// computes too), the suite option, and SAM through the training loop (two gradients per step).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/core/optim/registry.ts';
import { samStep } from '../../src/core/optim/sam.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';

interface Fixture {
  base: string;
  baseOptions: Record<string, number>;
  rho: number;
  adaptive: boolean;
  a: number[][];
  c: number[][];
  initial: number[][];
  params: number[][][];
}
const dir = join(import.meta.dirname, '..', 'fixtures', 'optim-sam');
const camel = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]));

describe('SAM / ASAM match davda54/sam around torch.optim', () => {
  for (const file of readdirSync(dir).sort()) {
    it(file.replace('.json', ''), async () => {
      const f = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
      const opt = createOptimizer(f.base, camel(f.baseOptions));
      const params = f.initial.map((t) => Float32Array.from(t));
      const a = f.a.map((t) => Float32Array.from(t));
      const c = f.c.map((t) => Float32Array.from(t));
      const grad = () => params.map((p, k) => p.map((v, i) => Math.fround(a[k]![i]! * Math.fround(v - c[k]![i]!))));
      let worst = 0;
      for (const expected of f.params) {
        await samStep(opt, params, grad(), async () => grad(), { rho: f.rho, adaptive: f.adaptive });
        params.forEach((p, k) => p.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[k]![i]!) / (1e-6 + 1e-5 * Math.abs(expected[k]![i]!))))));
      }
      expect(worst).toBeLessThanOrEqual(1);
    });
  }

  it('returns the weights exactly before the base step: with a zero learning rate nothing moves', async () => {
    const p = [Float32Array.from([0.1, -0.3, 0.7])];
    const before = Array.from(p[0]!);
    await samStep(createOptimizer('sgd', { lr: 0 }), p, [Float32Array.from([1, 2, 3])], async () => [Float32Array.from([3, 2, 1])], {
      rho: 0.5,
      adaptive: true,
    });
    expect(Array.from(p[0]!)).toEqual(before);
  });
});

describe('sam in a suite and in training', () => {
  const base = {
    name: 't',
    description: '',
    dataset: 'fashion-mnist-subset',
    model: { kind: 'mlp', hidden: [8] },
    batchSize: 64,
    epochs: 1,
    seeds: [0],
    perturbations: {},
  } as const;

  it('checks the option, naming the field', () => {
    expect(() => defineSuite({ ...base, optimizers: [{ name: 'sgd', options: { lr: 0.1 }, sam: { rho: -1 } }] })).toThrow(
      /optimizers\[0\].sam.rho = -1; expected a positive finite number/,
    );
    expect(() => defineSuite({ ...base, optimizers: [{ name: 'sgd', options: { lr: 0.1 }, sam: { radius: 1 } as never }] })).toThrow(
      /optimizers\[0\].sam.radius = 1; expected no such option/,
    );
    expect(defineSuite({ ...base, optimizers: [{ label: 'sam', name: 'sgd', options: { lr: 0.1 }, sam: {} }] }).optimizers[0]!.sam).toEqual({
      rho: 0.05,
      adaptive: false,
    });
  });

  it('takes two gradients per step, and trains differently from the base optimizer', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const data = { images: ds.train.images.subarray(0, 256 * 784), labels: ds.train.labels.subarray(0, 256), count: 256 };
    const net = new Network({ kind: 'mlp', hidden: [8] }, ds.shape, 10);
    const opts = { seed: 0, epochs: 1, batchSize: 64, optimizer: 'sgd', optimizerOptions: { lr: 0.1 } };
    const plain = await train(net, data, opts);
    const sam = await train(net, data, { ...opts, sam: { rho: 0.05, adaptive: false } });
    expect(plain.gradientEvaluations).toBe(4);
    expect(sam.gradientEvaluations).toBe(8);
    // The first step's loss is at the same weights; the updates then differ.
    expect(sam.steps[0]!.loss).toBe(plain.steps[0]!.loss);
    expect(sam.steps[1]!.loss).not.toBe(plain.steps[1]!.loss);
  });
});
