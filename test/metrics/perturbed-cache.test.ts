// Model-free perturbed sets kept across cells: a sweep with the cache gives exactly the
// points without it (for a second model too, whose sets come from the cache), attacks are
// never cached, and the cache keeps to its byte budget.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { evaluateSweeps } from '../../src/measure/metrics/robustness.ts';
import { PerturbedCache } from '../../src/measure/metrics/perturbed-cache.ts';

const ds = loadDataset('fashion-mnist-subset');
const test = { images: ds.test.images.subarray(0, 200 * 784), labels: ds.test.labels.subarray(0, 200), count: 200 };
const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);
const sweeps = { gaussian_noise: [0.2], rotation: [30], fgsm: [0.05] };

describe('PerturbedCache', () => {
  it('changes no sweep point, for the model that filled it and for another', async () => {
    const cache = new PerturbedCache();
    for (const seed of [0, 1]) {
      const weights = net.initWeights(seed);
      const plain = await evaluateSweeps(net, weights, test, ds.shape, sweeps, 0, gradientOracle(net, weights));
      const cached = await evaluateSweeps(net, weights, test, ds.shape, sweeps, 0, gradientOracle(net, weights), cache);
      expect(cached).toEqual(plain);
    }
    // noise and rotation for seed 0 (both models use data seed 0), never fgsm
    expect(cache.size).toBe(2 * test.images.byteLength);
  });

  it('returns the very set it made for the same images and key, and evicts the least recently used beyond its budget', async () => {
    const set = (v: number) => () => new Float32Array(100).fill(v);
    const cache = new PerturbedCache(2 * 400);
    const src = new Float32Array(1);
    const a = await cache.get(src, 'a', set(1));
    expect(await cache.get(src, 'a', set(9))).toBe(a);
    await cache.get(src, 'b', set(2));
    await cache.get(src, 'a', set(9)); // a is now the most recent
    await cache.get(src, 'c', set(3)); // evicts b
    expect(cache.size).toBe(800);
    expect((await cache.get(src, 'a', set(9)))[0]).toBe(1);
    expect((await cache.get(src, 'b', set(7)))[0]).toBe(7);
    // other source images: another entry
    expect((await cache.get(new Float32Array(1), 'a', set(5)))[0]).toBe(5);
  });
});
