// Gaussian blur: a separable, normalised kernel of radius ceil(3σ); borders repeat the
// edge pixel, so a constant image stays constant.
import { corruption, type ImageShape } from './perturbation.ts';

export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i++) k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}

export function blur(images: Float32Array, count: number, [c, h, w]: ImageShape, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const radius = (k.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  const out = new Float32Array(images.length);
  const clamp = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let img = 0; img < count * c; img++) {
    const base = img * h * w;
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++) {
        let s = 0;
        for (let j = -radius; j <= radius; j++) s += k[j + radius]! * images[base + r * w + clamp(col + j, w)]!;
        tmp[r * w + col] = s;
      }
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++) {
        let s = 0;
        for (let j = -radius; j <= radius; j++) s += k[j + radius]! * tmp[clamp(r + j, h) * w + col]!;
        out[base + r * w + col] = s;
      }
  }
  return out;
}

export const gaussianBlur = corruption(
  'gaussian_blur',
  'Gaussian blur with standard deviation sigma (pixels)',
  { parameter: 'sigma (pixels)', values: [0.5, 0.75, 1, 1.5, 2] },
  ({ images, count, shape }, sigma) => blur(images, count, shape, sigma),
);
