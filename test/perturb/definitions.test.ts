// Each perturbation against its written definition (docs/perturbations.md), with the expected
// output computed here from the definition, independently of the code: the blur's sigma and
// radius, shot noise's rate, shear's and scale's sampling, PGD's step size and iteration
// count, and fast FGSM's 1.25·eps step in adversarial training.
import { describe, expect, it } from 'vitest';
import { getPerturbation } from '../../src/measure/perturb/registry.ts';
import type { GradientOracle, PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { batchTransform } from '../../src/run/train/regimes.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';

const H = 28;
const W = 28;
const P = H * W;
const input = (images: Float32Array, rng = createRng(0, 'definitions'), gradient?: GradientOracle): PerturbInput => ({
  images,
  labels: new Uint8Array(images.length / P),
  count: images.length / P,
  shape: [1, H, W],
  rng,
  gradient,
});
const apply = async (name: string, severity: number, images: Float32Array, rng?: ReturnType<typeof createRng>, gradient?: GradientOracle) =>
  (await getPerturbation(name).apply(input(images, rng, gradient), severity)) as Float32Array;
const level = (name: string, l: number) => getPerturbation(name).levels!.values[l - 1]!;

/** Bilinear sample of `img` at (x, y) (pixel centres at integer coordinates), pixels outside the image counting as 0. */
function sample(img: Float32Array, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const at = (r: number, c: number) => (r >= 0 && r < H && c >= 0 && c < W ? img[r * W + c]! : 0);
  const fx = x - x0;
  const fy = y - y0;
  return (1 - fx) * (1 - fy) * at(y0, x0) + fx * (1 - fy) * at(y0, x0 + 1) + (1 - fx) * fy * at(y0 + 1, x0) + fx * fy * at(y0 + 1, x0 + 1);
}

/** Images with structure everywhere (so a wrong sampling position shows): seeded uniform pixels. */
function texture(count: number, seed = 3): Float32Array {
  const rng = createRng(seed, 'texture');
  return Float32Array.from({ length: count * P }, () => rng());
}

const cx = (W - 1) / 2;
const cy = (H - 1) / 2;

describe('gaussian_blur', () => {
  for (const l of [1, 2, 3, 4, 5]) {
    const sigma = level('gaussian_blur', l);
    it(`level ${l}: a point spreads as the normalised Gaussian of sigma ${sigma}, cut at ceil(3 sigma) = ${Math.ceil(3 * sigma)} pixels`, async () => {
      const delta = new Float32Array(P);
      delta[14 * W + 13] = 1;
      const out = await apply('gaussian_blur', l, delta);
      const radius = Math.ceil(3 * sigma);
      const g = (d: number) => (Math.abs(d) > radius ? 0 : Math.exp(-(d * d) / (2 * sigma * sigma)));
      let norm = 0;
      for (let d = -radius; d <= radius; d++) norm += g(d);
      for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) expect(out[r * W + c]!, `(${r}, ${c})`).toBeCloseTo((g(r - 14) * g(c - 13)) / norm ** 2, 7);
    });
  }

  it('repeats the edge pixel at the border: a point in the corner is read by every tap that falls outside', async () => {
    const sigma = level('gaussian_blur', 5);
    const corner = new Float32Array(P);
    corner[0] = 1;
    const out = await apply('gaussian_blur', 5, corner);
    const radius = Math.ceil(3 * sigma);
    const g = (d: number) => Math.exp(-(d * d) / (2 * sigma * sigma));
    let norm = 0;
    for (let d = -radius; d <= radius; d++) norm += g(d);
    // Along one axis, output position r reads row 0 through every tap r + d <= 0.
    const weight = (r: number) => {
      let w = 0;
      for (let d = -radius; d <= radius; d++) if (r + d <= 0) w += g(d);
      return w / norm;
    };
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) expect(out[r * W + c]!, `(${r}, ${c})`).toBeCloseTo(weight(r) * weight(c), 7);
  });
});

describe('shot_noise', () => {
  const x = 0.2;
  const flat = new Float32Array(8 * P).fill(x);
  for (const l of [1, 2, 3]) {
    const lambda = level('shot_noise', l);
    it(`level ${l}: Poisson(lambda·x)/lambda with lambda ${lambda}: every value a whole number of 1/lambda, mean x, variance x/lambda`, async () => {
      const out = await apply('shot_noise', l, flat);
      for (const v of out) expect(Math.abs(v * lambda - Math.round(v * lambda))).toBeLessThan(1e-4);
      const mean = out.reduce((a, b) => a + b, 0) / out.length;
      const variance = out.reduce((a, v) => a + (v - mean) ** 2, 0) / (out.length - 1);
      // 6,272 draws: the mean's standard error is sqrt(x/lambda/n) <= 0.0011; the variance's
      // relative one sqrt(2/n) ~ 1.8% (Poisson's excess kurtosis adds under 1%).
      expect(Math.abs(mean - x)).toBeLessThan(4 * Math.sqrt(x / lambda / out.length));
      expect(variance / (x / lambda)).toBeGreaterThan(0.92);
      expect(variance / (x / lambda)).toBeLessThan(1.08);
    });
  }
});

describe('shear', () => {
  it('each image is sampled at (x + s·(y - cy), y), bilinear, zero fill, with s = +factor or -factor per image; both signs occur', async () => {
    const s = level('shear', 3);
    const images = texture(16);
    const out = await apply('shear', 3, images, createRng(7, 'shear-signs'));
    const signs = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const img = images.subarray(i * P, (i + 1) * P);
      const got = out.subarray(i * P, (i + 1) * P);
      const worst = (sign: number) => {
        let w = 0;
        for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) w = Math.max(w, Math.abs(got[r * W + c]! - sample(img, c + sign * s * (r - cy), r)));
        return w;
      };
      const [plus, minus] = [worst(1), worst(-1)];
      expect(Math.min(plus, minus), `image ${i}`).toBeLessThan(1e-6);
      expect(Math.max(plus, minus), `image ${i}: the two signs must differ`).toBeGreaterThan(1e-2);
      signs.add(plus < minus ? 1 : -1);
    }
    expect(signs.size).toBe(2);
  });
});

describe('scale', () => {
  for (const l of [1, 3, 5]) {
    const f = level('scale', l);
    it(`level ${l}: shrinks by ${f} about the centre: each pixel samples the source at centre + offset / ${f}`, async () => {
      const images = texture(2);
      const out = await apply('scale', l, images);
      for (let i = 0; i < 2; i++)
        for (let r = 0; r < H; r++)
          for (let c = 0; c < W; c++)
            expect(out[i * P + r * W + c]!).toBeCloseTo(sample(images.subarray(i * P, (i + 1) * P), cx + (c - cx) / f, cy + (r - cy) / f), 6);
    });
  }
});

describe('pgd', () => {
  it('10 gradient evaluations, each step 2.5·eps/10 along the sign of the gradient, from a uniform start, projected onto the eps-ball', async () => {
    const eps = 0.08;
    const x0 = new Float32Array(2 * P).fill(0.5);
    // The gradient: +1 on even pixels, -1 on odd ones, whatever the input.
    const seen: Float32Array[] = [];
    const oracle: GradientOracle = async (x) => {
      seen.push(Float32Array.from(x));
      return Float32Array.from(x, (_, i) => (i % 2 ? -1 : 1));
    };
    const out = await apply('pgd', eps, x0, createRng(1, 'pgd-definition'), oracle);
    expect(seen).toHaveLength(10);
    const alpha = (2.5 * eps) / 10;
    // The start, as the first evaluation saw it: uniform in [x0 - eps, x0 + eps].
    const start = seen[0]!;
    let low = 0;
    for (const v of start) {
      expect(Math.abs(v - 0.5)).toBeLessThanOrEqual(eps + 1e-7);
      if (v < 0.5) low++;
    }
    expect(low / start.length).toBeGreaterThan(0.45);
    expect(low / start.length).toBeLessThan(0.55);
    // Every later point: the previous one plus alpha·sign(g), clipped to the ball.
    const next = (prev: Float32Array) => Float32Array.from(prev, (v, i) => Math.min(0.5 + eps, Math.max(0.5 - eps, v + alpha * (i % 2 ? -1 : 1))));
    let expected = start;
    for (let k = 1; k <= 10; k++) {
      expected = next(expected);
      const got = k < 10 ? seen[k]! : out;
      for (let i = 0; i < got.length; i += 37) expect(got[i]!, `step ${k}, pixel ${i}`).toBeCloseTo(expected[i]!, 6);
    }
  });
});

describe('fast FGSM in adversarial training (Wong et al. 2020)', () => {
  it('one step of 1.25·eps from a uniform start in the ball, projected: every move at least 0.25·eps, 62.5% of them at the boundary', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);
    const weights = net.initWeights(0);
    const n = 64;
    const eps = 0.05;
    const x = ds.train.images.subarray(0, n * P);
    const labels = ds.train.labels.subarray(0, n);
    const adv = await batchTransform({ kind: 'adversarial', attack: 'fgsm', eps, randomStart: true }, net, ds.shape, 0)!(x, labels, n, weights, 1);
    // Where neither [0, 1] nor a zero gradient interferes: pixels with room on both sides.
    const g = await gradientOracle(net, weights)(x, labels, n);
    let counted = 0;
    let atBoundary = 0;
    for (let i = 0; i < x.length; i++) {
      if (!(x[i]! > 2 * eps && x[i]! < 1 - 2 * eps) || g[i] === 0) continue;
      const d = adv[i]! - x[i]!;
      counted++;
      // With the step u + 1.25·eps·sign (u uniform on [-eps, eps]) clipped to the ball,
      // |d| >= 0.25·eps; the boundary is reached when u lies in the last 1.25 of its 2 eps.
      expect(Math.abs(d)).toBeGreaterThanOrEqual(0.25 * eps - 1e-6);
      if (Math.abs(Math.abs(d) - eps) < 1e-6) atBoundary++;
    }
    expect(counted).toBeGreaterThan(2000);
    const share = atBoundary / counted;
    // 0.625 with a binomial standard error of at most 0.011 on 2,000+ pixels; the sign of the
    // final gradient can differ from the start's, but not for a model this close to linear.
    expect(share).toBeGreaterThan(0.58);
    expect(share).toBeLessThan(0.67);
  });
});
