// Horizontal shear about the image centre, x' = x + s·y, with the sign of s drawn per
// image (MNIST-C style), bilinear, zero fill.
import { warp } from './warp.ts';
import { corruption } from './perturbation.ts';

export const shear = corruption(
  'shear',
  'horizontal shear x + s·y about the centre, random sign per image',
  { parameter: 'shear factor |s|', values: [0.1, 0.2, 0.3, 0.4, 0.5] },
  ({ images, count, shape, rng }, factor) => {
    const left = { a: 1, b: factor, c: 0, d: 1, tx: 0, ty: 0 };
    const right = { a: 1, b: -factor, c: 0, d: 1, tx: 0, ty: 0 };
    const maps = Array.from({ length: count }, () => (rng() < 0.5 ? left : right));
    return warp(images, count, shape, (i) => maps[i]!);
  },
);
