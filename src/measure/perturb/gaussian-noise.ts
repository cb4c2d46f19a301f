// Additive Gaussian noise: x + σ·z, clipped to [0, 1]; severity = σ. The z are standard
// normals from the perturbation's stream (seed, perturbation, severity), drawn in bulk
// (BulkRng's ziggurat), so every optimizer of a seed sees the same noise.
import { BulkRng } from '../../core/util/bulk-rng.ts';
import { clip01, type Perturbation } from './perturbation.ts';

export const gaussianNoise: Perturbation = {
  name: 'gaussian_noise',
  description: 'additive Gaussian noise x + sigma·N(0,1), clipped to [0,1]',
  severity: { unit: 'sigma', min: 0, max: 1 },
  needsGradient: false,
  apply({ images, rng }, sigma) {
    const out = new Float32Array(images.length);
    new BulkRng(rng).fillNormal(out);
    for (let i = 0; i < out.length; i++) out[i] = clip01(images[i]! + sigma * out[i]!);
    return out;
  },
};
