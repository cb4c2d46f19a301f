// The embedded MNIST subset (scripts/make-mnist-subset.ts): what it holds, and that it is MNIST
// enough to learn: a 2-epoch Adam MLP learns it as PyTorch's own run of the same recipe does
// (scripts/reference/mnist_subset_reference.py, seeds 0-9 -> test/fixtures/mnist-subset-reference.json).
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import reference from '../fixtures/mnist-subset-reference.json' with { type: 'json' };

const ds = loadDataset('mnist-subset');

describe('mnist-subset', () => {
  it('holds 7,000 training and 1,600 test digits of 1x28x28, 700 and 160 per class', () => {
    expect(ds.shape).toEqual([1, 28, 28]);
    expect([ds.train.count, ds.test.count]).toEqual([7000, 1600]);
    for (let c = 0; c < 10; c++) {
      expect(ds.train.labels.filter((l) => l === c).length).toBe(700);
      expect(ds.test.labels.filter((l) => l === c).length).toBe(160);
    }
  });

  it('every image is an MNIST digit: bytes (pixels k/255), centred by its centre of mass, a near-blank border', () => {
    // MNIST centred each digit's centre of mass in the 28x28 field (LeCun et al.).
    for (const split of [ds.train, ds.test]) {
      for (let i = 0; i < split.count; i++) {
        const img = split.images.subarray(i * 784, (i + 1) * 784);
        let [mass, x, y, ink, border] = [0, 0, 0, 0, 0];
        img.forEach((v, k) => {
          const b = Math.round(v * 255);
          if (!(b >= 0 && b <= 255) || Math.fround(b / 255) !== v) throw new Error(`image ${i}: pixel ${k} = ${v} is not a byte/255`);
          const [r, c] = [Math.floor(k / 28), k % 28];
          mass += v;
          x += v * c;
          y += v * r;
          if (v > 0.5) ink++;
          if (r === 0 || c === 0 || r === 27 || c === 27) border += v;
        });
        expect(ink, `image ${i}: pixels above half intensity`).toBeGreaterThanOrEqual(20);
        expect(Math.hypot(x / mass - 13.5, y / mass - 13.5), `image ${i}: centre of mass from the centre`).toBeLessThan(2);
        expect(border / 108, `image ${i}: mean of the outermost ring`).toBeLessThan(0.05);
      }
    }
  });

  // optrobust's seeds draw other initial weights and batch orders than PyTorch's, so each is
  // another sample of the same recipe: every seed at least PyTorch's worst less two binomial
  // standard errors of a 1,600-image test set, and the mean of three at least PyTorch's mean
  // less three standard errors of a three-seed mean (PyTorch's seed-to-seed spread).
  it("a 2-epoch Adam MLP [256, 128] (batch 128) learns it as PyTorch's run of the recipe does", async () => {
    const acc = reference.accuracy;
    const n = reference.test_count;
    const meanRef = acc.reduce((a, b) => a + b, 0) / acc.length;
    const sdRef = Math.sqrt(acc.reduce((a, v) => a + (v - meanRef) ** 2, 0) / (acc.length - 1));
    const worst = Math.min(...acc) - 2 * Math.sqrt((meanRef * (1 - meanRef)) / n);
    const net = new Network({ kind: 'mlp', hidden: [256, 128] }, ds.shape, 10);
    const ours: number[] = [];
    for (const seed of [0, 1, 2]) {
      const r = await train(net, ds.train, { seed, epochs: 2, batchSize: 128, optimizer: 'adam', optimizerOptions: { lr: 1e-3 } });
      ours.push((await evaluate(net, r.weights, ds.test)).accuracy);
      expect(ours.at(-1)!, `seed ${seed}`).toBeGreaterThanOrEqual(worst);
    }
    expect(ours.reduce((a, b) => a + b, 0) / 3).toBeGreaterThanOrEqual(meanRef - (3 * sdRef) / Math.sqrt(3));
    await net.release();
  }, 180_000);
});
