// Gaussian noise: reproducible per stream, with the requested standard deviation.
import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../src/measure/perturb/gaussian-noise.ts';
import { createRng } from '../../src/core/util/rng.ts';

const grey = new Float32Array(200 * 28 * 28).fill(0.5);
const noisy = (seed: number, sigma: number) =>
  gaussianNoise.apply(
    { images: grey, labels: new Uint8Array(200), count: 200, shape: [1, 28, 28], rng: createRng(seed, 'perturb:gaussian_noise') },
    sigma,
  ) as Float32Array;

describe('gaussian_noise', () => {
  it('draws the same noise from the same stream and different noise from another', () => {
    expect(noisy(0, 0.1)).toEqual(noisy(0, 0.1));
    expect(noisy(1, 0.1)).not.toEqual(noisy(0, 0.1));
  });

  it('has mean 0 and standard deviation sigma where clipping cannot bind (mid-grey, 5 sigma from the edges)', () => {
    const out = noisy(0, 0.1);
    let s = 0;
    let s2 = 0;
    for (const v of out) {
      s += v - 0.5;
      s2 += (v - 0.5) ** 2;
    }
    const n = out.length;
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.001); // standard error 0.1/sqrt(156800) = 2.5e-4
    expect(std / 0.1).toBeCloseTo(1, 2);
  });

  it('clips to [0, 1]', () => {
    const out = noisy(0, 1);
    expect(Math.min(...out.subarray(0, 50_000))).toBe(0);
    expect(Math.max(...out.subarray(0, 50_000))).toBe(1);
  });
});
