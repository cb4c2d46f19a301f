// Additive Gaussian noise: x + σ·N(0, 1), clipped to [0, 1]; severity = σ.
import { normalSampler } from '../util/rng.ts';
import { clip01, type Perturbation } from './perturbation.ts';

export const gaussianNoise: Perturbation = {
  name: 'gaussian_noise',
  description: 'additive Gaussian noise x + sigma·N(0,1), clipped to [0,1]',
  severity: { unit: 'sigma', min: 0, max: 1 },
  needsGradient: false,
  apply({ images, rng }, sigma) {
    const normal = normalSampler(rng);
    const out = new Float32Array(images.length);
    for (let i = 0; i < out.length; i++) out[i] = clip01(images[i]! + sigma * normal());
    return out;
  },
};
