// FGSM (Goodfellow et al. 2015): x + ε·sign(∇ₓ L(x, y)) with the true label and the
// model's training loss, clipped to [0, 1]; untargeted, L∞; severity = ε.
// sign(0) = 0: a pixel with zero gradient is left alone.
import { clip01, type Perturbation } from './perturbation.ts';

export const fgsm: Perturbation = {
  name: 'fgsm',
  description: 'fast gradient sign method, one L-inf step of size eps',
  severity: { unit: 'eps (L-inf)', min: 0, max: 1 },
  needsGradient: true,
  threat: { norm: 'linf', access: 'white', passes: 1 },
  async apply({ images, labels, count, gradient }, eps) {
    if (eps === 0) return Float32Array.from(images);
    const g = await gradient!(images, labels, count);
    const out = new Float32Array(images.length);
    for (let i = 0; i < out.length; i++) out[i] = clip01(images[i]! + eps * Math.sign(g[i]!));
    return out;
  },
};
