// Shot (Poisson) noise, ImageNet-C style: x' = Poisson(λ·x)/λ, clipped; fewer photons, more noise.
import { clip01, corruption } from './perturbation.ts';
import type { Rng } from '../../core/util/rng.ts';

/** Poisson draw by inversion (means here stay below 60, so the walk is short). */
export function poisson(mean: number, rng: Rng): number {
  if (mean <= 0) return 0;
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  const u = rng();
  while (u > cdf && p > 0) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

export const shotNoise = corruption(
  'shot_noise',
  'Poisson photon noise: Poisson(lambda·x)/lambda',
  { parameter: 'lambda (photons at full intensity)', values: [60, 25, 12, 5, 3] },
  ({ images, rng }, lambda) => images.map((v) => clip01(poisson(lambda * v, rng) / lambda)),
);
