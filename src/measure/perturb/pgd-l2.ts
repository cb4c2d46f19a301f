// PGD in the L2 ball (Madry et al. 2018), with torchattacks' PGDL2 semantics: a random start
// δ = r·ε·z/‖z‖₂ (z standard normal, r uniform in [0, 1]) clipped into [0, 1]; then k steps
// x ← x + α·∇ₓL/(‖∇ₓL‖₂ + 1e-10), δ = x - x₀ scaled back to length ε when longer, x = clip(x₀ + δ).
// k = 10, α = 0.2·ε (torchattacks' defaults, eps 1.0 and alpha 0.2, as a ratio); severity = ε.
import { clip01, type Perturbation } from './perturbation.ts';
import { exampleNorms } from './l2.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';

export const PGD_L2_STEPS = 10;
export const PGD_L2_STEP_FACTOR = 0.2;

export const pgdL2: Perturbation = {
  name: 'pgd_l2',
  description: `projected gradient descent in the L2 ball, ${PGD_L2_STEPS} steps of ${PGD_L2_STEP_FACTOR}·eps from a random start`,
  severity: { unit: 'eps (L2)', min: 0, max: 100 },
  needsGradient: true,
  threat: { norm: 'l2', access: 'white', passes: PGD_L2_STEPS },
  async apply({ images, labels, count, rng, gradient }, eps) {
    if (eps === 0) return Float32Array.from(images);
    const d = images.length / count;
    const alpha = PGD_L2_STEP_FACTOR * eps;
    const bulk = new BulkRng(rng);
    const z = new Float64Array(images.length);
    bulk.fillNormal(z);
    const r = new Float64Array(count);
    bulk.fillUniform(r);
    const zn = exampleNorms(z, count);
    const x = new Float32Array(images.length);
    for (let i = 0; i < count; i++) {
      const s = zn[i]! > 0 ? (r[i]! * eps) / zn[i]! : 0;
      for (let j = i * d; j < (i + 1) * d; j++) x[j] = clip01(images[j]! + s * z[j]!);
    }
    const delta = new Float64Array(images.length);
    for (let k = 0; k < PGD_L2_STEPS; k++) {
      const g = await gradient!(x, labels, count);
      const gn = exampleNorms(g, count);
      for (let i = 0; i < count; i++) {
        const step = alpha / (gn[i]! + 1e-10);
        for (let j = i * d; j < (i + 1) * d; j++) delta[j] = x[j]! + step * g[j]! - images[j]!;
      }
      const dn = exampleNorms(delta, count);
      for (let i = 0; i < count; i++) {
        const factor = dn[i]! > eps ? eps / dn[i]! : 1;
        for (let j = i * d; j < (i + 1) * d; j++) x[j] = clip01(images[j]! + factor * delta[j]!);
      }
    }
    return x;
  },
};
