// Zoom out about the image centre by a factor < 1 (MNIST-C's scale), bilinear, zero fill.
import { warp } from './warp.ts';
import { corruption } from './perturbation.ts';

export const scale = corruption(
  'scale',
  'shrink about the centre by a factor',
  { parameter: 'scale factor', values: [0.9, 0.8, 0.7, 0.6, 0.5] },
  ({ images, count, shape }, factor) => {
    const m = { a: 1 / factor, b: 0, c: 0, d: 1 / factor, tx: 0, ty: 0 };
    return warp(images, count, shape, () => m);
  },
);
