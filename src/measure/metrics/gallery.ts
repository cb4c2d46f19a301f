// The report's gallery: the same few test images under every perturbation and severity, with
// each model's prediction. Chosen once per test set (not per seed or cell), so every cell of a
// run shows the same images: one per class (classes in a seeded order when there are more than
// GALLERY_SIZE), each a seeded choice among its class's test examples.
import { createRng, permutation } from '../../core/util/rng.ts';

/** Gallery images at most: one per class up to this many classes. */
export const GALLERY_SIZE = 10;

/** Indices into the first `count` test examples: one per class, for min(classes, GALLERY_SIZE) classes, in class order. */
export function galleryIndices(labels: ArrayLike<number>, count: number, classes: number): number[] {
  const order = permutation(classes, createRng(0, 'gallery:classes'));
  const chosen = Array.from(order.slice(0, Math.min(classes, GALLERY_SIZE))).sort((a, b) => a - b);
  const rng = createRng(0, 'gallery:examples');
  const out: number[] = [];
  for (const c of chosen) {
    const pool: number[] = [];
    for (let i = 0; i < count; i++) if (labels[i] === c) pool.push(i);
    const pick = Math.floor(rng() * pool.length);
    if (pool.length) out.push(pool[pick]!);
  }
  return out;
}

/** The watched images as 8-bit pixels ([k, C, H, W], each value rounded from [0, 1]), base64: what the report draws. */
export function galleryPixels(images: Float32Array, indices: readonly number[], size: number): string {
  const out = new Uint8Array(indices.length * size);
  indices.forEach((i, k) => {
    for (let j = 0; j < size; j++) out[k * size + j] = Math.round(255 * Math.min(1, Math.max(0, images[i * size + j]!)));
  });
  return Buffer.from(out).toString('base64');
}

/** The inverse of galleryPixels' encoding. */
export const decodePixels = (pixels: string): Uint8Array => new Uint8Array(Buffer.from(pixels, 'base64'));
