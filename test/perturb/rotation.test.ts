// Rotation: identity at 0° and 360°, an exact index rotation at 90°, counter-clockwise.
import { describe, expect, it } from 'vitest';
import { rotation } from '../../src/measure/perturb/rotation.ts';
import { createRng } from '../../src/core/util/rng.ts';

const N = 6;
const rng = createRng(1, 'rotation-test');
const images = Float32Array.from({ length: 2 * N * N }, () => Math.fround(rng()));
const rotate = (deg: number) => rotation.apply({ images, labels: new Uint8Array(2), count: 2, shape: [1, N, N], rng }, deg) as Float32Array;

describe('rotation', () => {
  it('is the identity at 0 and 360 degrees', () => {
    expect(rotate(0)).toEqual(images);
    expect(rotate(360)).toEqual(images);
  });

  it('at 90 degrees is the index rotation out[r][c] = in[c][N-1-r] (pixel centres at integer coordinates)', () => {
    const out = rotate(90);
    for (let i = 0; i < 2; i++)
      for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) expect(out[i * N * N + r * N + c]).toBe(images[i * N * N + c * N + (N - 1 - r)]);
  });

  it('turns counter-clockwise as displayed: a pixel at the top moves to the left', () => {
    const dot = new Float32Array(N * N);
    dot[0 * N + 2] = 1; // row 0, column 2: top edge
    const out = rotation.apply({ images: dot, labels: new Uint8Array(1), count: 1, shape: [1, N, N], rng }, 90) as Float32Array;
    expect(out[(N - 1 - 2) * N + 0]).toBe(1); // column 0: left edge
  });

  it('four quarter turns compose to the identity; 30° then -30° stays close away from the corners', () => {
    expect(rotate(270)).toEqual(rotation.apply({ images: rotate(90), labels: new Uint8Array(2), count: 2, shape: [1, N, N], rng }, 180));
    const smooth = Float32Array.from({ length: 28 * 28 }, (_, k) => Math.exp(-(((k % 28) - 13.5) ** 2 + (Math.floor(k / 28) - 13.5) ** 2) / 40));
    const there = rotation.apply({ images: smooth, labels: new Uint8Array(1), count: 1, shape: [1, 28, 28], rng }, 30) as Float32Array;
    const back = rotation.apply({ images: there, labels: new Uint8Array(1), count: 1, shape: [1, 28, 28], rng }, -30) as Float32Array;
    let worst = 0;
    for (let k = 0; k < back.length; k++) worst = Math.max(worst, Math.abs(back[k]! - smooth[k]!));
    expect(worst).toBeLessThan(0.02);
  });
});
