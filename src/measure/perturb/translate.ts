// Translation by a fixed distance in a random direction per image (MNIST-C style),
// bilinear, zero fill.
import { warp } from './warp.ts';
import { corruption } from './perturbation.ts';

export const translate = corruption(
  'translate',
  'shift by a fixed distance in a random direction per image',
  { parameter: 'distance (pixels)', values: [1, 2, 3, 4, 5] },
  ({ images, count, shape, rng }, distance) => {
    const maps = Array.from({ length: count }, () => {
      const angle = 2 * Math.PI * rng();
      return { a: 1, b: 0, c: 0, d: 1, tx: -distance * Math.cos(angle), ty: -distance * Math.sin(angle) };
    });
    return warp(images, count, shape, (i) => maps[i]!);
  },
);
