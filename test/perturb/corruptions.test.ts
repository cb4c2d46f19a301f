// The corruption set: each level stays in [0, 1], is reproducible, grows with the level,
// and matches the one documented table; plus each corruption's defining property.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPerturbation, listPerturbations, severityProblem } from '../../src/measure/perturb/registry.ts';
import type { PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const ds = loadDataset('fashion-mnist-subset');
const COUNT = 100;
const images = ds.test.images.subarray(0, COUNT * 784);
const input = (seed = 0, imgs = images, count = COUNT): PerturbInput => ({
  images: imgs,
  labels: ds.test.labels.subarray(0, count),
  count,
  shape: [1, 28, 28],
  rng: createRng(seed, 'corruption-test'),
});
const apply = (name: string, level: number, seed = 0) => getPerturbation(name).apply(input(seed), level) as Float32Array;
const meanAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

const corruptions = listPerturbations().filter((n) => getPerturbation(n).levels);

describe('corruption set', () => {
  it('has the nine documented corruptions', () => {
    expect(corruptions.sort()).toEqual(['brightness', 'contrast', 'gaussian_blur', 'impulse_noise', 'occlusion', 'scale', 'shear', 'shot_noise', 'translate']);
  });

  it('matches the severity table in docs/perturbations.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'perturbations.md'), 'utf8');
    for (const name of corruptions) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      const cells = row!
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
        .filter(Boolean);
      expect(cells.slice(2).map(Number), name).toEqual([...getPerturbation(name).levels!.values]);
      expect(cells[1]!.replace(/\\\|/g, '|')).toBe(getPerturbation(name).levels!.parameter);
    }
  });

  for (const name of corruptions) {
    it(`${name}: in [0, 1], reproducible, and stronger at level 5 than at level 1`, () => {
      const one = apply(name, 1);
      const five = apply(name, 5);
      expect(one.length).toBe(images.length);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of five) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(apply(name, 3)).toEqual(apply(name, 3));
      expect(meanAbsDiff(five, images)).toBeGreaterThan(meanAbsDiff(one, images));
      expect(meanAbsDiff(one, images)).toBeGreaterThan(0);
    });
  }

  it('rejects levels outside 1-5 and non-integers, saying what is accepted', () => {
    expect(severityProblem('shear', 6)).toBe('severity 6 is not accepted by shear; expected an integer level 1-5');
    expect(severityProblem('shear', 2.5)).toMatch(/an integer level 1-5/);
    expect(severityProblem('fgsm', 2)).toBe('severity 2 is not accepted by fgsm; expected a number in [0, 1] (eps (L-inf))');
    expect(severityProblem('rotation', 45)).toBeUndefined();
    expect(() => getPerturbation('fog')).toThrow(
      /unknown perturbation "fog"; known: clean, gaussian_noise, lowpass_noise, highpass_noise, fgsm, pgd, apgd, fgm_l2, pgd_l2, apgd_l2, rotation, shot_noise/,
    );
  });
});

describe('defining properties', () => {
  const flat = new Float32Array(4 * 784).fill(0.4);
  const on = (name: string, level: number, imgs = flat) => getPerturbation(name).apply(input(0, imgs, imgs.length / 784), level) as Float32Array;

  it('gaussian_blur keeps a constant image constant', () => {
    for (const v of on('gaussian_blur', 5)) expect(v).toBeCloseTo(0.4, 6);
  });

  it('brightness adds b and contrast keeps each image mean', () => {
    expect(on('brightness', 2)[0]).toBeCloseTo(0.6, 6);
    const c = apply('contrast', 2);
    for (let i = 0; i < 5; i++) {
      const mean = (a: Float32Array) => a.subarray(i * 784, (i + 1) * 784).reduce((s, v) => s + v, 0) / 784;
      expect(mean(c)).toBeCloseTo(mean(images as Float32Array), 5);
    }
  });

  it('impulse_noise replaces about the stated fraction of pixels with 0 or 1', () => {
    const out = on('impulse_noise', 4);
    const changed = out.filter((v) => v !== Math.fround(0.4)).length / out.length;
    expectEvery(out, (v) => v === Math.fround(0.4) || v === 0 || v === 1);
    expect(changed).toBeGreaterThan(0.17 - 0.03);
    expect(changed).toBeLessThan(0.17 + 0.03);
  });

  it('shot_noise keeps the mean intensity (Poisson is unbiased)', () => {
    const out = on('shot_noise', 1);
    expect(out.reduce((s, v) => s + v, 0) / out.length).toBeCloseTo(0.4, 2);
  });

  it('occlusion zeroes exactly one side x side square per image', () => {
    const ones = new Float32Array(3 * 784).fill(1);
    const out = on('occlusion', 3, ones);
    for (let i = 0; i < 3; i++) expect(out.subarray(i * 784, (i + 1) * 784).filter((v) => v === 0).length).toBe(8 * 8);
  });

  it('translate moves each image centre of mass by the stated distance', () => {
    const blob = Float32Array.from({ length: 784 }, (_, k) => Math.exp(-(((k % 28) - 13.5) ** 2 + (Math.floor(k / 28) - 13.5) ** 2) / 8));
    const out = on('translate', 3, blob);
    const com = (a: Float32Array) => {
      let m = 0,
        x = 0,
        y = 0;
      a.forEach((v, k) => ((m += v), (x += v * (k % 28)), (y += v * Math.floor(k / 28))));
      return [x / m, y / m];
    };
    const [x0, y0] = com(blob);
    const [x1, y1] = com(out);
    expect(Math.hypot(x1! - x0!, y1! - y0!)).toBeCloseTo(3, 1);
  });
});
