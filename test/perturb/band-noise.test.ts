// Band-limited noise against its definition: the added noise has RMS 0.1 and all its energy
// inside the band (low-pass: radius ≤ cut-off; high-pass: above), checked with an
// independent plain DFT; the DFT itself against a delta and a cosine worked out by hand.
import { describe, expect, it } from 'vitest';
import { lowpassNoise, highpassNoise, BAND_SIGMA } from '../../src/measure/perturb/band-noise.ts';
import { dft2, radius } from '../../src/measure/perturb/dft.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { dftPower } from '../helpers/textbook-dft.ts';

const H = 28;
const W = 28;
const COUNT = 6;
// Mid-grey: the noise (RMS 0.1) never reaches 0 or 1 in practice, so nothing clips.
const grey = new Float32Array(COUNT * H * W).fill(0.5);
const input = (seed = 0) => ({ images: grey, labels: new Uint8Array(COUNT), count: COUNT, shape: [1, H, W] as const, rng: createRng(seed, 'perturb:band') });

/** Energy of a plane at frequencies inside and outside radius `cut`, by the textbook DFT sum. */
function energies(x: ArrayLike<number>, cut: number): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  dftPower(x, H, W).forEach((e, k) => {
    if (radius(Math.floor(k / W), k % W, H, W) <= cut) inside += e;
    else outside += e;
  });
  return { inside, outside };
}

describe('dft2', () => {
  it('maps a delta to a flat spectrum and a cosine to two spikes, and inverts exactly', () => {
    const re = new Float64Array(H * W);
    const im = new Float64Array(H * W);
    re[0] = 1;
    dft2({ re, im }, H, W);
    expect(Math.max(...re.map((v) => Math.abs(v - 1)), ...im.map(Math.abs))).toBeLessThan(1e-12);
    const c = Float64Array.from({ length: H * W }, (_, k) => Math.cos((2 * Math.PI * 3 * (k % W)) / W));
    const p = { re: Float64Array.from(c), im: new Float64Array(H * W) };
    dft2(p, H, W);
    expect(p.re[3]).toBeCloseTo((H * W) / 2, 9);
    expect(p.re[W - 3]).toBeCloseTo((H * W) / 2, 9);
    dft2(p, H, W, true);
    expect(Math.max(...p.re.map((v, k) => Math.abs(v - c[k]!)))).toBeLessThan(1e-12);
  });
});

describe('band-limited noise', () => {
  for (const [p, cut, band] of [
    [lowpassNoise, 4, 'inside'],
    [highpassNoise, 8, 'outside'],
  ] as const) {
    it(`${p.name} (cut-off ${cut}): RMS ${BAND_SIGMA} per image, all the energy ${band} radius ${cut}`, async () => {
      const out = (await p.apply(input(), cut)) as Float32Array;
      for (let i = 0; i < 2; i++) {
        const n = Array.from(out.subarray(i * H * W, (i + 1) * H * W), (v) => v - 0.5);
        expect(Math.sqrt(n.reduce((a, v) => a + v * v, 0) / n.length)).toBeCloseTo(BAND_SIGMA, 5);
        const e = energies(n, cut);
        const stray = band === 'inside' ? e.outside : e.inside;
        expect(stray / (e.inside + e.outside)).toBeLessThan(1e-9);
      }
    });
  }

  it('is a pure function of its stream; an empty band leaves the images alone', async () => {
    expect(Array.from((await lowpassNoise.apply(input(3), 5)) as Float32Array)).toEqual(Array.from((await lowpassNoise.apply(input(3), 5)) as Float32Array));
    expect(Array.from((await highpassNoise.apply(input(), 64)) as Float32Array)).toEqual(Array.from(grey));
  });
});
