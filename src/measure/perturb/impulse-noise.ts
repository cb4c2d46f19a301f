// Impulse (salt-and-pepper) noise: each pixel independently becomes 0 or 1 (equally
// likely) with probability `amount`, as skimage's random_noise(mode='s&p') in ImageNet-C.
import { corruption } from './perturbation.ts';

export const impulseNoise = corruption(
  'impulse_noise',
  'salt-and-pepper noise: a fraction of pixels set to 0 or 1',
  { parameter: 'fraction of pixels', values: [0.03, 0.06, 0.09, 0.17, 0.27] },
  ({ images, rng }, amount) =>
    images.map((v) => {
      if (rng() >= amount) return v;
      return rng() < 0.5 ? 0 : 1;
    }),
);
