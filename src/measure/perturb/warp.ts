// Geometric transforms share one sampler: each output pixel reads its source position,
// given by an inverse affine map, with bilinear interpolation and zero fill outside.
// Convention: pixel (row r, column c) has its centre at (x = c, y = r); the image centre
// is ((W-1)/2, (H-1)/2), so a 90° rotation of a square image maps centres onto centres.
// Offsets are taken from the centre with y pointing down.
import type { ImageShape } from './perturbation.ts';

/** Inverse map (dx, dy) -> (a·dx + b·dy + tx, c·dx + d·dy + ty), offsets from the centre. */
export interface Affine {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly tx: number;
  readonly ty: number;
}

/** Warps every image with `affineFor(i)`; one shared affine is sampled once for all images. */
export function warp(images: Float32Array, count: number, [channels, h, w]: ImageShape, affineFor: (i: number) => Affine): Float32Array {
  const out = new Float32Array(images.length);
  const plane = h * w;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // Per output pixel, its taps inside the image with non-zero weight, in the order
  // (top-left, top-right, bottom-left, bottom-right): pixel p's are start[p]..start[p+1]-1.
  const start = new Int32Array(plane + 1);
  const idx = new Int32Array(plane * 4);
  const wt = new Float64Array(plane * 4);
  let last: Affine | undefined;
  for (let i = 0; i < count; i++) {
    const m = affineFor(i);
    if (m !== last) {
      last = m;
      let k = 0;
      const tap = (row: number, col: number, weight: number) => {
        if (row >= 0 && col >= 0 && row < h && col < w && weight !== 0) {
          idx[k] = row * w + col;
          wt[k++] = weight;
        }
      };
      for (let r = 0; r < h; r++)
        for (let col = 0; col < w; col++) {
          const dx = col - cx;
          const dy = r - cy;
          const x = m.a * dx + m.b * dy + m.tx + cx;
          const y = m.c * dx + m.d * dy + m.ty + cy;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          start[r * w + col] = k;
          tap(y0, x0, (1 - fx) * (1 - fy));
          tap(y0, x0 + 1, fx * (1 - fy));
          tap(y0 + 1, x0, (1 - fx) * fy);
          tap(y0 + 1, x0 + 1, fx * fy);
        }
      start[plane] = k;
    }
    for (let ch = 0; ch < channels; ch++) {
      const base = (i * channels + ch) * plane;
      for (let p = 0; p < plane; p++) {
        let s = 0;
        for (let t = start[p]!, end = start[p + 1]!; t < end; t++) s += wt[t]! * images[base + idx[t]!]!;
        out[base + p] = s;
      }
    }
  }
  return out;
}
