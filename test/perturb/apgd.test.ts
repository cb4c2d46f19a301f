// APGD-CE (src/measure/perturb/apgd.ts) against its definition: AutoAttack's checkpoint schedule,
// every example's perturbation within the budget (L∞ or L2) and [0, 1], a pure function of
// its stream, and on a trained model at least as strong as PGD at equal iterations and budget.
import { describe, expect, it } from 'vitest';
import { apgd, apgdL2, apgdSchedule } from '../../src/measure/perturb/apgd.ts';
import { pgd } from '../../src/measure/perturb/pgd.ts';
import { pgdL2 } from '../../src/measure/perturb/pgd-l2.ts';
import { exampleNorms } from '../../src/measure/perturb/l2.ts';
import type { GradientOracle, Perturbation, PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { attackedModel } from '../helpers/attacked-model.ts';
import { expectEvery } from '../helpers/expect-every.ts';

// A linear 3-class model on 8x8 images, its cross-entropy gradient written out:
// logits = W x, ∂ℓ/∂x = Σ_c (softmax_c - [c = y])·W_c.
const D = 64;
const K = 3;
const COUNT = 30;
const rng = createRng(9, 'apgd-test');
const W = Float64Array.from({ length: K * D }, () => rng() - 0.5);
const images = Float32Array.from({ length: COUNT * D }, (_, i) => (i % 5 === 0 ? 1 : i % 7 === 0 ? 0 : Math.fround(rng())));
const labels = Uint8Array.from({ length: COUNT }, (_, i) => i % K);
let calls = 0;
const withLogits = async (x: Float32Array, y: Uint8Array, n: number) => {
  calls++;
  const logits = new Float32Array(n * K);
  const dx = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < K; c++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += W[c * D + j]! * x[i * D + j]!;
      logits[i * K + c] = s;
    }
    const m = Math.max(...logits.subarray(i * K, (i + 1) * K));
    const e = Array.from(logits.subarray(i * K, (i + 1) * K), (v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < D; j++) dx[i * D + j] = e.reduce((a, p, c) => a + (p / z - (c === y[i] ? 1 : 0)) * W[c * D + j]!, 0);
  }
  return { dx, logits };
};
const oracle: GradientOracle = Object.assign(async (x: Float32Array, y: Uint8Array, n: number) => (await withLogits(x, y, n)).dx, { withLogits });
const input = (p: Perturbation, eps: number): PerturbInput => ({
  images,
  labels,
  count: COUNT,
  shape: [1, 8, 8],
  rng: createRng(0, `perturb:${p.name}:${eps}`),
  gradient: oracle,
});

describe('apgd', () => {
  it("checkpoints as AutoAttack's: first after max(⌊0.22N⌋, 1) steps, spacing shrinking by max(⌊0.03N⌋, 1) to max(⌊0.06N⌋, 1)", () => {
    expect(apgdSchedule(100)).toEqual({ first: 22, decrement: 3, minimum: 6 });
    expect(apgdSchedule(10)).toEqual({ first: 2, decrement: 1, minimum: 1 });
  });

  for (const [p, norm] of [
    [apgd, 'linf'],
    [apgdL2, 'l2'],
  ] as const) {
    it(`${p.name}: every perturbation within eps (${norm}) and [0, 1]; one model evaluation per iteration plus the start`, async () => {
      for (const eps of norm === 'linf' ? [0.01, 0.1, 0.5] : [0.1, 1, 4]) {
        calls = 0;
        const adv = await p.apply(input(p, eps), eps);
        expect(calls).toBe(11);
        expectEvery(adv, (v) => v >= 0 && v <= 1);
        const delta = Float64Array.from(adv, (v, i) => v - images[i]!);
        if (norm === 'linf')
          delta.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(eps + 1e-7)); // float32 rounding of x0 ± eps
        else exampleNorms(delta, COUNT).forEach((n) => expect(n).toBeLessThanOrEqual(eps * (1 + 1e-6)));
      }
    });

    it(`${p.name}: a pure function of its stream; eps 0 is the identity`, async () => {
      expect(Array.from(await p.apply(input(p, 0.1), 0.1))).toEqual(Array.from(await p.apply(input(p, 0.1), 0.1)));
      expect(Array.from(await p.apply(input(p, 0), 0))).toEqual(Array.from(images));
    });
  }

  it('refuses an oracle without logits', async () => {
    await expect(apgd.apply({ ...input(apgd, 0.1), gradient: async () => new Float32Array(COUNT * D) }, 0.1)).rejects.toThrow(
      /apgd: needs a gradient oracle with logits/,
    );
  });

  it('on a trained model: at least as strong as PGD with the same iterations and budget, in L∞ and L2', async () => {
    const { clean, accuracy: acc } = await attackedModel();
    for (const eps of [0.02, 0.05]) expect(await acc(apgd, eps)).toBeLessThanOrEqual(await acc(pgd, eps));
    for (const eps of [0.5, 1]) expect(await acc(apgdL2, eps)).toBeLessThanOrEqual(await acc(pgdL2, eps));
    expect(await acc(apgd, 0.02)).toBeLessThan(clean);
  });
});
