// Every perturbation on colour images (C x H x W, channels first): per-value ones treat each
// channel of each pixel on its own, geometric ones and blur move every channel together,
// contrast and brightness follow ImageNet-C (per-channel mean; HSV value), occlusion blanks
// every channel, and the attacks move each value by eps.
import { describe, expect, it } from 'vitest';
import { getPerturbation, listPerturbations } from '../../src/measure/perturb/registry.ts';
import type { ImageShape, PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { Network } from '../../src/core/model/network.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const [C, H, W] = [3, 12, 10];
const PLANE = H * W;
const COUNT = 6;
const input = (images: Float32Array, shape: ImageShape = [C, H, W], count = COUNT, seed = 0): PerturbInput => ({
  images,
  labels: new Uint8Array(count),
  count,
  shape,
  rng: createRng(seed, 'colour-test'),
});
const apply = async (name: string, level: number, images: Float32Array, shape: ImageShape = [C, H, W], count = COUNT) =>
  getPerturbation(name).apply(input(images, shape, count), level);

/** A smooth grey pattern per image, and a colour image whose channels are it scaled by 1, 0.6 and 0.3. */
const pattern = Float32Array.from({ length: COUNT * PLANE }, (_, k) => {
  const [i, p] = [Math.floor(k / PLANE), k % PLANE];
  const [r, c] = [Math.floor(p / W), p % W];
  return 0.5 + 0.4 * Math.sin(0.7 * r + 0.3 * c + i);
});
const SCALES = [1, 0.6, 0.3];
const colour = Float32Array.from({ length: COUNT * C * PLANE }, (_, k) => {
  const [i, ch, p] = [Math.floor(k / (C * PLANE)), Math.floor(k / PLANE) % C, k % PLANE];
  return Math.fround(pattern[i * PLANE + p]! * SCALES[ch]!);
});
const channel = (x: Float32Array, i: number, ch: number) => x.subarray((i * C + ch) * PLANE, (i * C + ch + 1) * PLANE);

describe('geometric corruptions and blur move every channel together', () => {
  // Linear in the pixels with zero fill: channel k of the colour result is SCALES[k] times the
  // grey result, given the same random draws (one per image, not per channel).
  const cases: [string, number][] = [
    ['rotation', 30],
    ['translate', 3],
    ['shear', 4],
    ['scale', 2],
    ['gaussian_blur', 3],
  ];
  for (const [name, level] of cases) {
    it(name, async () => {
      const grey = await apply(name, level, pattern, [1, H, W]);
      const out = await apply(name, level, colour);
      for (let i = 0; i < COUNT; i++)
        for (let ch = 0; ch < C; ch++) {
          const got = channel(out, i, ch);
          const want = grey.subarray(i * PLANE, (i + 1) * PLANE);
          got.forEach((v, p) => expect(Math.abs(v - SCALES[ch]! * want[p]!)).toBeLessThan(1e-6));
        }
    });
  }

  it('occlusion blanks the same square in every channel', async () => {
    const out = await apply('occlusion', 2, new Float32Array(COUNT * C * PLANE).fill(1));
    for (let i = 0; i < COUNT; i++) {
      const zeros = (ch: number) => [...channel(out, i, ch)].flatMap((v, p) => (v === 0 ? [p] : []));
      expect(zeros(0)).toHaveLength(36);
      expect(zeros(1)).toEqual(zeros(0));
      expect(zeros(2)).toEqual(zeros(0));
    }
  });
});

describe('per-value corruptions treat each channel of a pixel on its own', () => {
  const flat = new Float32Array(200 * C * PLANE).fill(0.5);
  const correlation = (a: number[], b: number[]) => {
    const m = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const [ma, mb] = [m(a), m(b)];
    const cov = a.reduce((s, v, k) => s + (v - ma) * (b[k]! - mb), 0);
    return cov / Math.sqrt(a.reduce((s, v) => s + (v - ma) ** 2, 0) * b.reduce((s, v) => s + (v - mb) ** 2, 0));
  };
  for (const [name, level] of [
    ['gaussian_noise', 0.1],
    ['shot_noise', 3],
    ['impulse_noise', 5],
  ] as const) {
    it(`${name}: the red and green changes of a pixel are uncorrelated`, async () => {
      const out = await apply(name, level, flat, [C, H, W], 200);
      const red: number[] = [];
      const green: number[] = [];
      for (let i = 0; i < 200; i++) for (let p = 0; p < PLANE; p++) red.push(out[i * C * PLANE + p]!), green.push(out[(i * C + 1) * PLANE + p]!);
      expect(Math.abs(correlation(red, green))).toBeLessThan(0.02);
    });
  }
});

describe('contrast and brightness as ImageNet-C defines them on colour images', () => {
  it("contrast pulls each channel towards that channel's own mean", async () => {
    const c = 0.3; // level 2
    const out = await apply('contrast', 2, colour);
    for (let i = 0; i < COUNT; i++)
      for (let ch = 0; ch < C; ch++) {
        const x = channel(colour, i, ch);
        const m = x.reduce((s, v) => s + v, 0) / PLANE;
        channel(out, i, ch).forEach((v, p) => expect(v).toBeCloseTo((x[p]! - m) * c + m, 6));
      }
  });

  it('brightness raises the HSV value, keeping hue and saturation: worked pixels', async () => {
    // (r, g, b) -> with b = 0.2 (level 2): V = max -> min(1, V + 0.2), every channel scaled by V'/V.
    const pixels: [number[], number[]][] = [
      [
        [0.2, 0.4, 0.1],
        [0.3, 0.6, 0.15],
      ], // V 0.4 -> 0.6: x 1.5
      [
        [0, 0, 0],
        [0.2, 0.2, 0.2],
      ], // black: no hue or saturation, becomes grey V'
      [
        [0.9, 0.45, 0],
        [1, 0.5, 0],
      ], // V 0.9 -> 1 (clipped): x 10/9
      [
        [0.5, 0.5, 0.5],
        [0.7, 0.7, 0.7],
      ], // grey stays grey
    ];
    const img = new Float32Array(C * pixels.length);
    pixels.forEach(([rgb], p) => rgb!.forEach((v, ch) => (img[ch * pixels.length + p] = v)));
    const out = await apply('brightness', 2, img, [C, 1, pixels.length], 1);
    pixels.forEach(([, want], p) => want!.forEach((v, ch) => expect(out[ch * pixels.length + p]).toBeCloseTo(v, 6)));
  });
});

describe('attacks on colour images', () => {
  it('FGSM and PGD on a CNN for 3x32x32 inputs move each value by at most eps, FGSM by exactly eps where nothing clips', async () => {
    const net = new Network({ kind: 'cnn' }, [3, 32, 32], 10);
    const weights = net.initWeights(0);
    const rng = createRng(1, 'colour-attack');
    const n = 4;
    const images = Float32Array.from({ length: n * 3 * 1024 }, () => 0.1 + 0.8 * rng());
    const base: PerturbInput = {
      images,
      labels: Uint8Array.from([0, 1, 2, 3]),
      count: n,
      shape: [3, 32, 32],
      rng: createRng(0, 'x'),
      gradient: gradientOracle(net, weights),
    };
    const eps = 0.05;
    const adv = await getPerturbation('fgsm').apply(base, eps);
    const moved = adv.filter((v, k) => Math.abs(Math.abs(v - images[k]!) - eps) < 1e-6).length;
    expect(moved / adv.length).toBeGreaterThan(0.99);
    const pgd = await getPerturbation('pgd').apply({ ...base, rng: createRng(0, 'pgd') }, eps);
    expect(Math.max(...pgd.map((v, k) => Math.abs(v - images[k]!)))).toBeLessThanOrEqual(eps + 1e-6);
    await net.release();
  });

  it('every registered perturbation runs on colour images and stays in [0, 1]', async () => {
    const net = new Network({ kind: 'mlp', hidden: [8] }, [C, H, W], 10);
    const gradient = gradientOracle(net, net.initWeights(0));
    for (const name of listPerturbations()) {
      const p = getPerturbation(name);
      const severity = p.levels ? 3 : Math.min(p.severity.max, name === 'rotation' ? 45 : 0.1);
      const out = await p.apply({ ...input(colour), gradient }, severity);
      expect(out.length, name).toBe(colour.length);
      expectEvery(out, (v) => v >= 0 && v <= 1, name);
    }
    await net.release();
  });
});
