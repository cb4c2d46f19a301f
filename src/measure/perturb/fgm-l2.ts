// Fast gradient method, L2 (Foolbox's L2FastGradientAttack): one step of L2 length ε along
// the loss gradient of each example, x + ε·∇ₓL / ‖∇ₓL‖₂, clipped to [0, 1]; untargeted, true
// label, the model's training loss; severity = ε. An example with a zero gradient is left
// alone. Clipping can only shorten the step, so ‖x' - x‖₂ ≤ ε.
import { clip01, type Perturbation } from './perturbation.ts';
import { exampleNorms } from './l2.ts';

export const fgmL2: Perturbation = {
  name: 'fgm_l2',
  description: 'fast gradient method, one L2 step of length eps along the loss gradient',
  severity: { unit: 'eps (L2)', min: 0, max: 100 },
  needsGradient: true,
  threat: { norm: 'l2', access: 'white', passes: 1 },
  async apply({ images, labels, count, gradient }, eps) {
    if (eps === 0) return Float32Array.from(images);
    const g = await gradient!(images, labels, count);
    const norms = exampleNorms(g, count);
    const d = images.length / count;
    const out = new Float32Array(images.length);
    for (let i = 0; i < count; i++) {
      const scale = norms[i]! > 0 ? eps / norms[i]! : 0;
      for (let j = i * d; j < (i + 1) * d; j++) out[j] = clip01(images[j]! + scale * g[j]!);
    }
    return out;
  },
};
