// Fourier heat maps (Yin et al., NeurIPS 2019, "A Fourier-Perspective on Model Robustness"):
// the test error under a perturbation along one 2-D Fourier basis image, for every frequency.
// For frequency (u, v) of an H x W image the basis is U = cos(2π(u·i/H + v·j/W)) scaled to
// L2 norm 1: the real image whose DFT is non-zero only at (u, v) and (-u, -v). Each test
// image gets x + r·eps·U on every channel, r = ±1 drawn per image from the stream
// (seed, 'fourier') (the same for every optimizer of a seed), clipped to [0, 1].
// (u, v) and (-u, -v) give the same basis, so half the grid is evaluated and mirrored.
// The map is laid out as the centred spectrum (fftshift): row k is vertical frequency
// k - ⌊H/2⌋, column l horizontal frequency l - ⌊W/2⌋; the centre is the constant image.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import type { ImageShape } from '../perturb/perturbation.ts';
import { clip01 } from '../perturb/perturbation.ts';
import { createRng } from '../../core/util/rng.ts';
import { evaluate } from './evaluate.ts';
import { positiveInt } from '../../core/util/validate.ts';
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';

export interface FourierOptions {
  /** L2 norm of the perturbation (per channel image). */
  readonly eps: number;
  /** The first this many test examples. */
  readonly examples: number;
}

export const FOURIER_DEFAULTS: FourierOptions = { eps: 3, examples: 500 };

/** The suite's `fourier` block. */
export const fourierProblem = (v: unknown): FieldProblem | undefined =>
  optionBlockProblem(
    'fourier',
    v,
    {
      eps: (x) => (typeof x === 'number' && x > 0 && x <= 100 ? undefined : 'a number in (0, 100] (the L2 norm of the perturbation)'),
      examples: (x) => (positiveInt(x) && x <= 1_000_000 ? undefined : 'a positive integer'),
    },
    'an object { eps?, examples? }',
  );

export interface FourierHeatMap {
  readonly eps: number;
  readonly examples: number;
  readonly height: number;
  readonly width: number;
  /** Test error per frequency, height x width, centred (row-major). */
  readonly error: readonly number[];
}

/** The unit-norm basis image of frequency (u, v) on an h x w grid. */
export function fourierBasis(u: number, v: number, h: number, w: number): Float64Array {
  const b = new Float64Array(h * w);
  let sq = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const c = Math.cos(2 * Math.PI * ((u * i) / h + (v * j) / w));
      b[i * w + j] = c;
      sq += c * c;
    }
  }
  const norm = Math.sqrt(sq);
  for (let k = 0; k < b.length; k++) b[k] = b[k]! / norm;
  return b;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

export async function fourierHeatMap(
  net: Network,
  params: readonly Float32Array[],
  test: Split,
  shape: ImageShape,
  seed: number,
  o: FourierOptions = FOURIER_DEFAULTS,
): Promise<FourierHeatMap> {
  const [channels, h, w] = shape;
  const n = Math.min(o.examples, test.count);
  const d = channels * h * w;
  const split: Split = { images: test.images.subarray(0, n * d), labels: test.labels.subarray(0, n), count: n };
  const rng = createRng(seed, 'fourier');
  const sign = Float64Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1));
  const error = new Array<number>(h * w).fill(Number.NaN);
  const perturbed = new Float32Array(n * d);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const fu = row - Math.floor(h / 2);
      const fv = col - Math.floor(w / 2);
      // Its mirror (-u, -v), in the centred layout, was evaluated first when it comes earlier.
      const mirror = mod(-fu + Math.floor(h / 2), h) * w + mod(-fv + Math.floor(w / 2), w);
      if (mirror < row * w + col) {
        error[row * w + col] = error[mirror]!;
        continue;
      }
      const basis = fourierBasis(mod(fu, h), mod(fv, w), h, w);
      for (let i = 0; i < n; i++) {
        const s = sign[i]! * o.eps;
        for (let c = 0; c < channels; c++) {
          const at = i * d + c * h * w;
          for (let k = 0; k < h * w; k++) perturbed[at + k] = clip01(split.images[at + k]! + s * basis[k]!);
        }
      }
      error[row * w + col] = 1 - (await evaluate(net, params, split, perturbed)).accuracy;
    }
  }
  return { eps: o.eps, examples: n, height: h, width: w, error };
}

/** Mean error over the frequencies farther than `radius` (in cycles per image, max-norm) from the centre, or nearer. */
export function bandError(map: FourierHeatMap, radius: number, outside: boolean): number {
  let sum = 0;
  let count = 0;
  for (let row = 0; row < map.height; row++) {
    for (let col = 0; col < map.width; col++) {
      const r = Math.max(Math.abs(row - Math.floor(map.height / 2)), Math.abs(col - Math.floor(map.width / 2)));
      if (r > radius === outside) {
        sum += map.error[row * map.width + col]!;
        count++;
      }
    }
  }
  return count ? sum / count : Number.NaN;
}
