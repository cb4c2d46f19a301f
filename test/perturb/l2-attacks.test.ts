// The L2 attacks against their definitions (Foolbox's L2 FGM, torchattacks' PGDL2): every
// example's perturbation within the L2 budget and [0, 1]; FGM's step along the gradient with
// length eps where nothing clips; PGD stepping and projecting; on a trained model, PGD-L2 at
// least as strong as FGM-L2 at the same budget, and both stronger as eps grows.
import { describe, expect, it } from 'vitest';
import { fgmL2 } from '../../src/measure/perturb/fgm-l2.ts';
import { pgdL2 } from '../../src/measure/perturb/pgd-l2.ts';
import { exampleNorms } from '../../src/measure/perturb/l2.ts';
import type { GradientOracle, PerturbInput } from '../../src/measure/perturb/perturbation.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { attackedModel } from '../helpers/attacked-model.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const COUNT = 40;
const D = 64;
const rng = createRng(5, 'l2-test');
// Mid-grey images (nothing clips at small eps), and a few saturated ones (clipping binds).
const images = Float32Array.from({ length: COUNT * D }, (_, i) => (Math.floor(i / D) < 30 ? 0.5 : i % 3 === 0 ? 1 : Math.fround(rng())));
const grad = Float32Array.from(images, () => rng() - 0.5);
const oracle: GradientOracle = async () => grad;
const input = (): PerturbInput => ({
  images,
  labels: new Uint8Array(COUNT),
  count: COUNT,
  shape: [1, 8, 8],
  rng: createRng(0, 'perturb:pgd_l2:1'),
  gradient: oracle,
});
const deltas = (adv: Float32Array) => Float64Array.from(adv, (v, i) => v - images[i]!);

describe('fgm_l2', () => {
  it('steps eps along the normalised gradient where nothing clips; never beyond eps or [0, 1]', async () => {
    const eps = 0.5;
    const adv = await fgmL2.apply(input(), eps);
    const norms = exampleNorms(deltas(adv), COUNT);
    const gnorms = exampleNorms(grad, COUNT);
    for (let i = 0; i < COUNT; i++) {
      expect(norms[i]!).toBeLessThanOrEqual(eps + 1e-5);
      if (i < 30) {
        expect(norms[i]!).toBeCloseTo(eps, 5);
        // the direction is the gradient's: δ_j = eps·g_j/‖g‖
        for (let j = i * D; j < (i + 1) * D; j += 7) expect(adv[j]! - images[j]!).toBeCloseTo((eps * grad[j]!) / gnorms[i]!, 5);
      }
    }
    expectEvery(adv, (v) => v >= 0 && v <= 1);
  });
});

describe('pgd_l2', () => {
  it('stays in the L2 ball of radius eps and in [0, 1], and spends the budget when the gradient is fixed', async () => {
    for (const eps of [0.1, 1, 3]) {
      const adv = await pgdL2.apply(input(), eps);
      const norms = exampleNorms(deltas(adv), COUNT);
      norms.forEach((n) => expect(n).toBeLessThanOrEqual(eps * (1 + 1e-5) + 1e-6));
      expectEvery(adv, (v) => v >= 0 && v <= 1);
      // 10 steps of 0.2·eps along a fixed direction reach the boundary where nothing clips.
      for (let i = 0; i < 30; i++) if (eps <= 1) expect(norms[i]!).toBeCloseTo(eps, 4);
    }
  });

  it('is a pure function of its stream', async () => {
    expect(Array.from(await pgdL2.apply(input(), 1))).toEqual(Array.from(await pgdL2.apply(input(), 1)));
  });

  it('on a trained model: at least as strong as fgm_l2 at the same eps, and stronger with a larger eps', async () => {
    const { clean, accuracy: acc } = await attackedModel();
    for (const eps of [0.5, 1.5]) expect(await acc(pgdL2, eps)).toBeLessThanOrEqual(await acc(fgmL2, eps));
    expect(await acc(pgdL2, 1.5)).toBeLessThan(await acc(pgdL2, 0.5));
    expect(await acc(pgdL2, 0.5)).toBeLessThan(clean);
  });
});
