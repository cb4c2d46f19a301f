// FGSM and PGD against their definitions, with a synthetic gradient oracle and with a trained model.
import { beforeAll, describe, expect, it } from 'vitest';
import { fgsm } from '../../src/measure/perturb/fgsm.ts';
import { pgd } from '../../src/measure/perturb/pgd.ts';
import type { GradientOracle, PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { evaluateSweeps } from '../../src/measure/metrics/robustness.ts';

const COUNT = 50;
const rng = createRng(3, 'attack-test');
// Images with saturated pixels (0 and 1) so that clipping binds somewhere.
const images = Float32Array.from({ length: COUNT * 16 }, (_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? 1 : Math.fround(rng())));
const labels = new Uint8Array(COUNT);
// A fixed gradient with exact zeros at every fifth pixel.
const grad = Float32Array.from(images, (_, i) => (i % 5 === 0 ? 0 : rng() - 0.5));
const oracle: GradientOracle = async () => grad;
const input = (): PerturbInput => ({ images, labels, count: COUNT, shape: [1, 4, 4], rng: createRng(0, 'pgd-test'), gradient: oracle });

describe('fgsm', () => {
  it('moves every pixel by exactly eps along the gradient sign unless clipped or the gradient is zero', async () => {
    const eps = 0.1;
    const adv = await fgsm.apply(input(), eps);
    let moved = 0;
    adv.forEach((v, i) => {
      const x = images[i]!;
      const g = grad[i]!;
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v - x)).toBeLessThanOrEqual(eps + 1e-7);
      const target = x + eps * Math.sign(g);
      if (g === 0) expect(v).toBe(x);
      else if (target >= 0 && target <= 1) {
        expect(Math.abs(v - x)).toBeCloseTo(eps, 6);
        moved++;
      } else expect(v).toBe(target < 0 ? 0 : 1);
    });
    expect(moved).toBeGreaterThan(images.length / 2);
  });

  it('leaves the images untouched at eps = 0', async () => {
    expect(await fgsm.apply(input(), 0)).toEqual(images);
  });
});

describe('pgd', () => {
  it('never leaves the eps-ball around the clean image, nor [0, 1]', async () => {
    for (const eps of [0.01, 0.1, 0.3]) {
      const adv = await pgd.apply(input(), eps);
      adv.forEach((v, i) => {
        expect(Math.abs(v - images[i]!)).toBeLessThanOrEqual(eps + 1e-6);
        expect(v >= 0 && v <= 1).toBe(true);
      });
    }
  });

  it('is reproducible from its rng stream', async () => {
    expect(await pgd.apply(input(), 0.1)).toEqual(await pgd.apply(input(), 0.1));
  });
});

describe('attacks on a trained model', () => {
  const ds = loadDataset('fashion-mnist-subset');
  const test = limitSplit(ds.test, 500);
  const net = new Network({ kind: 'mlp', hidden: [64] }, ds.shape, 10);
  let params: Float32Array[] = [];

  beforeAll(async () => {
    params = (await train(net, limitSplit(ds.train, 2000), { seed: 0, epochs: 3, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 2e-3 } })).weights;
  });

  it('FGSM at eps = 0 scores exactly the clean accuracy; PGD is at least as strong as FGSM', async () => {
    const oracle = gradientOracle(net, params);
    const points = await evaluateSweeps(net, params, test, ds.shape, { fgsm: [0, 0.03, 0.1], pgd: [0.03, 0.1] }, 0, oracle);
    const acc = (p: string, s: number) => points.find((q) => q.perturbation === p && q.severity === s)!.accuracy;
    expect(acc('clean', 0)).toBeGreaterThan(0.6);
    expect(acc('fgsm', 0)).toBe(acc('clean', 0));
    expect(acc('fgsm', 0.03)).toBeLessThan(acc('clean', 0));
    expect(acc('pgd', 0.03)).toBeLessThanOrEqual(acc('fgsm', 0.03));
    expect(acc('pgd', 0.1)).toBeLessThanOrEqual(acc('fgsm', 0.1));
    expect((await evaluate(net, params, test)).accuracy).toBe(acc('clean', 0));
  });
});
