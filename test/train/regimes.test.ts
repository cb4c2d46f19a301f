// Training regimes: validation, the batch transforms against their definitions (every
// adversarial batch inside the eps-ball and [0, 1]; noise from its stream), robust accuracy
// rising under adversarial training, FGSM training against PyTorch step by step, and a
// suite comparing regimes in one run.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineSuite, type SuiteDefinition } from '../../src/run/experiment/suite.ts';
import { suiteArms } from '../../src/run/experiment/grid.ts';
import { batchTransform, regimeLabel, type TrainingSpec } from '../../src/run/train/regimes.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { fgsm } from '../../src/measure/perturb/fgsm.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { ADVERSARIAL_REFERENCE } from '../helpers/reference-runs.ts';

const ds = loadDataset('fashion-mnist-subset');
const base: SuiteDefinition = {
  name: 't',
  description: '',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'mlp', hidden: [16] },
  batchSize: 64,
  epochs: 1,
  optimizers: [{ name: 'sgd', options: { lr: 0.1 } }],
  seeds: [0],
  perturbations: { fgsm: [0.1] },
};
const sub = (count: number) => ({ images: ds.train.images.subarray(0, count * 784), labels: ds.train.labels.subarray(0, count), count });

describe('suite.training', () => {
  it('refuses bad regimes, naming the field and what was expected', () => {
    const bad = (training: unknown) => () => defineSuite({ ...base, training: training as TrainingSpec });
    expect(bad({ kind: 'mixup' })).toThrow(/training.kind = "mixup"; expected one of standard, noise, adversarial/);
    expect(bad({ kind: 'adversarial', attack: 'pgd', eps: 2 })).toThrow(/training.eps = 2; expected an L-inf radius in \(0, 1\]/);
    expect(bad({ kind: 'adversarial', attack: 'pgd', eps: 0.1, randomStart: false })).toThrow(/PGD always starts at a random point/);
    expect(bad({ kind: 'adversarial', attack: 'fgsm', eps: 0.1, steps: 3 })).toThrow(/training.steps = 3; expected nothing for fgsm/);
    expect(bad({ kind: 'noise', sigma: 0.1, eps: 0.1 })).toThrow(/training.eps = 0.1; expected no such option for a noise regime/);
    expect(
      bad([
        { kind: 'noise', sigma: 0.1 },
        { kind: 'noise', sigma: 0.1 },
      ]),
    ).toThrow(/"noise-0.1" appears twice/);
    expect(bad([{ kind: 'standard', label: '../x' }])).toThrow(/training\[0\].label = "..\/x"; expected a label/);
  });

  it('makes the regimes a grid axis, labelled from their options', () => {
    const suite = defineSuite({
      ...base,
      training: [
        { kind: 'standard' },
        { kind: 'noise', sigma: 0.2 },
        { kind: 'adversarial', attack: 'pgd', eps: 0.1, steps: 5 },
        { kind: 'adversarial', attack: 'fgsm', eps: 0.05, randomStart: true },
      ],
    });
    expect(suiteArms(suite).map((a) => a.regime)).toEqual(['standard', 'noise-0.2', 'pgd-0.1x5', 'fastfgsm-0.05']);
  });
});

describe('batch transforms', () => {
  const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);
  const weights = net.initWeights(0);
  const n = 64;
  const x = ds.train.images.subarray(0, n * 784);
  const labels = ds.train.labels.subarray(0, n);

  for (const spec of [
    { kind: 'adversarial', attack: 'fgsm', eps: 0.1 },
    { kind: 'adversarial', attack: 'fgsm', eps: 0.1, randomStart: true },
    { kind: 'adversarial', attack: 'pgd', eps: 0.05, steps: 3 },
  ] as TrainingSpec[]) {
    it(`${regimeLabel(spec)}: every pixel within eps of the batch and in [0, 1], the attack's loss above the clean one`, async () => {
      const t = batchTransform(spec, net, ds.shape, 0)!;
      for (const step of [1, 2]) {
        const adv = await t(x, labels, n, weights, step);
        expect(adv.length).toBe(n * 784);
        let moved = 0;
        let outside = 0;
        let far = 0;
        adv.forEach((v, i) => {
          if (v < 0 || v > 1) outside++;
          if (Math.abs(v - x[i]!) > (spec as { eps: number }).eps + 1e-6) far++;
          if (v !== x[i]) moved++;
        });
        expect([outside, far]).toEqual([0, 0]);
        expect(moved).toBeGreaterThan(n * 100);
        const y = new BigInt64Array(Array.from(labels, (l) => BigInt(l)));
        expect((await net.inputGrad(weights, adv, y, n)).loss).toBeGreaterThan((await net.inputGrad(weights, x, y, n)).loss);
      }
    });
  }

  it('plain FGSM training batches are the evaluation FGSM of the same weights', async () => {
    const adv = await batchTransform({ kind: 'adversarial', attack: 'fgsm', eps: 0.1 }, net, ds.shape, 0)!(x, labels, n, weights, 1);
    const ref = await fgsm.apply({ images: x, labels, count: n, shape: ds.shape, rng: createRng(0, 'unused'), gradient: gradientOracle(net, weights) }, 0.1);
    expect(Array.from(adv)).toEqual(Array.from(ref));
  });

  it('noise: x + sigma·z clipped, z from the stream (seed, regime, step): the same for any weights, new each step', async () => {
    const t = batchTransform({ kind: 'noise', sigma: 0.1 }, net, ds.shape, 3)!;
    const a = await t(x, labels, n, weights, 5);
    expect(Array.from(await t(x, labels, n, net.initWeights(9), 5))).toEqual(Array.from(a));
    expect(Array.from(await t(x, labels, n, weights, 6))).not.toEqual(Array.from(a));
    let s = 0;
    let s2 = 0;
    let k = 0;
    a.forEach((v, i) => {
      if (x[i]! > 0.3 && x[i]! < 0.7) {
        s += v - x[i]!;
        s2 += (v - x[i]!) ** 2;
        k++;
      }
    });
    expect(Math.abs(s / k)).toBeLessThan(0.005);
    expect(Math.sqrt(s2 / k)).toBeCloseTo(0.1, 2);
  });
});

describe('adversarial training', () => {
  it('raises robust (FGSM) training accuracy over epochs on a small problem, and is deterministic', async () => {
    const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);
    const data = sub(1024);
    const spec: TrainingSpec = { kind: 'adversarial', attack: 'fgsm', eps: 0.05 };
    const robust: number[] = [];
    const run = () =>
      train(net, data, {
        seed: 0,
        epochs: 5,
        batchSize: 64,
        optimizer: 'sgd',
        optimizerOptions: { lr: 0.1 },
        transform: batchTransform(spec, net, ds.shape, 0),
        onEpoch: async (_e, w) => {
          const adv = await fgsm.apply(
            { images: data.images, labels: data.labels, count: data.count, shape: ds.shape, rng: createRng(0, 'x'), gradient: gradientOracle(net, w) },
            0.05,
          );
          robust.push((await evaluate(net, w, data, adv)).accuracy);
        },
      });
    const a = await run();
    expect(robust[4]!).toBeGreaterThan(robust[0]! + 0.05);
    const b = await run();
    expect(b.weights.map((t) => Array.from(t))).toEqual(a.weights.map((t) => Array.from(t)));
  });

  it('FGSM training matches PyTorch from the same weights and batches: 30 step losses within max(1e-5, PyTorch float32) of float64', async () => {
    const ref = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'adversarial-reference.json'), 'utf8')) as {
      losses_float64: number[];
      losses_float32: number[];
    };
    const { model, seed, lr, batchSize, eps, steps } = ADVERSARIAL_REFERENCE;
    const net = new Network(model, ds.shape, 10);
    const r = await train(net, ds.train, {
      seed,
      epochs: 1,
      batchSize,
      optimizer: 'sgd',
      optimizerOptions: { lr },
      stopAtStep: steps,
      transform: batchTransform({ kind: 'adversarial', attack: 'fgsm', eps }, net, ds.shape, seed),
    });
    const ours = r.steps.map((s) => s.loss);
    expect(ours).toHaveLength(steps);
    const rel = (a: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - ref.losses_float64[i]!) / Math.abs(ref.losses_float64[i]!)));
    expect(rel(ours)).toBeLessThanOrEqual(Math.max(1e-5, rel(ref.losses_float32)));
  });
});

describe('a suite comparing regimes', () => {
  it('trains every optimizer under each regime; results carry the regime column, and the report groups by it', async () => {
    const { smallRun } = await import('../helpers/small-run.ts');
    const { dir } = await smallRun({ seeds: [0], epochs: 1, training: [{ kind: 'standard' }, { kind: 'adversarial', attack: 'fgsm', eps: 0.05 }] });
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').split('\n');
    const regimeCol = csv[0]!.split(',').indexOf('regime');
    const regimes = new Set(
      csv
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[regimeCol]),
    );
    expect([...regimes].sort()).toEqual(['fgsm-0.05', 'standard']);
    // Each (optimizer, regime) has its clean accuracy, and the regimes trained differently.
    const clean = (regime: string) =>
      csv
        .slice(1)
        .filter((l) => l.includes(`,${regime},`) && /,clean,0,accuracy,/.test(l))
        .map((l) => l.split(',').pop());
    expect(clean('standard')).toHaveLength(2);
    expect(clean('fgsm-0.05')).toHaveLength(2);
    expect(clean('fgsm-0.05')).not.toEqual(clean('standard'));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('fgsm-0.05');
  }, 300_000);
});
