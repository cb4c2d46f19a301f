// Occlusion (cutout): a square of zeros at a uniformly random position per image,
// fully inside the image.
import { corruption } from './perturbation.ts';

export const occlusion = corruption(
  'occlusion',
  'a zero-filled square at a random position',
  { parameter: 'square side (pixels)', values: [4, 6, 8, 10, 12] },
  ({ images, count, shape: [c, h, w], rng }, side) => {
    const out = Float32Array.from(images);
    for (let i = 0; i < count; i++) {
      const top = Math.floor(rng() * (h - side + 1));
      const left = Math.floor(rng() * (w - side + 1));
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * h * w;
        for (let r = top; r < top + side; r++) out.fill(0, base + r * w + left, base + r * w + left + side);
      }
    }
    return out;
  },
);
