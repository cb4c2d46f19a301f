// Band-limited Gaussian noise (the frequency view of robustness: Yin et al. 2019; Ma, Pan &
// Farahmand 2023): white Gaussian noise per channel, filtered in the 2-D Fourier domain to
// the frequencies of radius ≤ cut-off (low-pass) or > cut-off (high-pass), in cycles per
// image, then scaled so that every image's noise has RMS BAND_SIGMA: the energy stays fixed
// and only its frequencies move. x + noise, clipped to [0, 1]; severity = the cut-off.
// A band with no frequency in it leaves the image as it is.
import { BulkRng } from '../../core/util/bulk-rng.ts';
import { clip01, type Perturbation } from './perturbation.ts';
import { dft2, radius } from './dft.ts';

export const BAND_SIGMA = 0.1;

function bandNoise(name: string, description: string, keep: (r: number, cutoff: number) => boolean): Perturbation {
  return {
    name,
    description,
    severity: { unit: 'cut-off (cycles per image)', min: 0, max: 64 },
    needsGradient: false,
    apply({ images, count, shape, rng }, cutoff) {
      const [channels, h, w] = shape;
      const plane = h * w;
      const bulk = new BulkRng(rng);
      const out = new Float32Array(images.length);
      const re = new Float64Array(plane);
      const im = new Float64Array(plane);
      const noise = new Float64Array(channels * plane);
      const mask = Uint8Array.from({ length: plane }, (_, k) => (keep(radius(Math.floor(k / w), k % w, h, w), cutoff) ? 1 : 0));
      for (let i = 0; i < count; i++) {
        let energy = 0;
        for (let c = 0; c < channels; c++) {
          bulk.fillNormal(re);
          im.fill(0);
          dft2({ re, im }, h, w);
          for (let k = 0; k < plane; k++) if (!mask[k]) re[k] = im[k] = 0;
          dft2({ re, im }, h, w, true);
          noise.set(re, c * plane);
          for (let k = 0; k < plane; k++) energy += re[k]! * re[k]!;
        }
        const rms = Math.sqrt(energy / (channels * plane));
        const scale = rms > 0 ? BAND_SIGMA / rms : 0;
        const base = i * channels * plane;
        for (let k = 0; k < channels * plane; k++) out[base + k] = clip01(images[base + k]! + scale * noise[k]!);
      }
      return out;
    },
  };
}

export const lowpassNoise = bandNoise('lowpass_noise', `Gaussian noise (RMS ${BAND_SIGMA}) keeping frequencies up to the cut-off`, (r, cut) => r <= cut);
export const highpassNoise = bandNoise('highpass_noise', `Gaussian noise (RMS ${BAND_SIGMA}) keeping frequencies above the cut-off`, (r, cut) => r > cut);
