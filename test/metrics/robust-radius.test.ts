// The median robust radius (src/measure/metrics/robust-radius.ts) against its closed form: for a
// linear two-class model, logit margin m = w·x + b, PGD with sign steps reaches the corner
// x - eps·sign(w)·sign(m) of the L∞ ball, so an example's minimal radius is |m| / ‖w‖₁ when
// [0, 1] does not bind. The bisection must bracket it to max / 2^iterations.
import { describe, expect, it } from 'vitest';
import { robustRadius } from '../../src/measure/metrics/robust-radius.ts';
import type { GradientOracle } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';

const D = 50;
const N = 41;
const rng = createRng(4, 'radius-test');
const w = Float64Array.from({ length: D }, () => (rng() - 0.5) * 0.4);
const b = 0.01;
// Mid-grey images: radii well under 0.4, so clipping never binds.
const images = Float32Array.from({ length: N * D }, () => Math.fround(0.5 + (rng() - 0.5) * 0.2));
const margin = (x: Float32Array, i: number) => w.reduce((a, wj, j) => a + wj * x[i * D + j]!, b);
// Labels: the model's own prediction for all but the last 5, which it gets wrong (radius 0).
const labels = Uint8Array.from({ length: N }, (_, i) => (margin(images, i) > 0 !== i >= N - 5 ? 1 : 0));
const withLogits = async (x: Float32Array, y: Uint8Array, n: number) => {
  const logits = new Float32Array(2 * n);
  const dx = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const m = margin(x, i);
    logits[2 * i + 1] = m;
    const p1 = 1 / (1 + Math.exp(-m));
    const coef = y[i] === 1 ? p1 - 1 : p1; // ∂CE/∂m
    for (let j = 0; j < D; j++) dx[i * D + j] = coef * w[j]!;
  }
  return { dx, logits };
};
const oracle: GradientOracle = Object.assign(async (x: Float32Array, y: Uint8Array, n: number) => (await withLogits(x, y, n)).dx, { withLogits });

describe('robust radius', () => {
  it('brackets each example at |w·x + b| / ‖w‖₁ (0 for clean errors), and reports their median', async () => {
    const l1 = w.reduce((a, v) => a + Math.abs(v), 0);
    const exact = Array.from({ length: N }, (_, i) => (i >= N - 5 ? 0 : Math.abs(margin(images, i)) / l1)).sort((p, q) => p - q);
    const max = 0.4;
    const r = await robustRadius(oracle, { images, labels, count: N }, { max, iterations: 12, steps: 10, examples: N });
    expect(r.examples).toBe(N);
    expect(r.unbroken).toBe(0);
    // The reported radius is the upper end of the bracket: at most max/2^12 above the exact one.
    expect(r.median).toBeGreaterThanOrEqual(exact[(N - 1) / 2]! - 1e-6);
    expect(r.median).toBeLessThanOrEqual(exact[(N - 1) / 2]! + max / 2 ** 12 + 1e-6);
  });

  it('counts examples beyond the largest budget as unbroken (Infinity), and the median follows them', async () => {
    const r = await robustRadius(oracle, { images, labels, count: N }, { max: 1e-4, iterations: 4, steps: 10, examples: N });
    expect(r.unbroken).toBeGreaterThan(N / 2);
    expect(r.median).toBe(Number.POSITIVE_INFINITY);
  });

  it('is a suite option, checked field by field', () => {
    const base = {
      name: 't',
      description: '',
      dataset: 'fashion-mnist-subset',
      model: { kind: 'mlp', hidden: [8] },
      batchSize: 64,
      epochs: 1,
      seeds: [0],
      optimizers: [{ name: 'sgd', options: { lr: 0.1 } }],
      perturbations: {},
    } as const;
    expect(() => defineSuite({ ...base, robustRadius: { max: 2 } })).toThrow(/robustRadius.max = 2; expected a number in \(0, 1\]/);
    expect(() => defineSuite({ ...base, robustRadius: { radius: 1 } as never })).toThrow(/robustRadius.radius = 1; expected no such option/);
    expect(() => defineSuite({ ...base, robustRadius: { steps: 0 } })).toThrow(/robustRadius.steps = 0; expected a positive integer/);
    expect(defineSuite({ ...base, robustRadius: {} }).robustRadius).toEqual({});
  });
});
