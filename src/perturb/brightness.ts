// Brightness increase: x + b, clipped (ImageNet-C adds b to the HSV value channel,
// which for grey images is the intensity itself).
import { clip01, corruption } from './perturbation.ts';

export const brightness = corruption(
  'brightness',
  'brightness raised by adding b',
  { parameter: 'added intensity b', values: [0.1, 0.2, 0.3, 0.4, 0.5] },
  ({ images }, b) => images.map((v) => clip01(v + b)),
);
