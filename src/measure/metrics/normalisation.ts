// Whether a pretrained model seems to expect normalised input that it was not given: its clean
// accuracy again, on the test images standardised per channel by their own mean and standard
// deviation (what torchvision's Normalize with the dataset's statistics does). A model trained
// on normalised data loses several points on raw [0, 1] pixels and gets them back here; one
// trained on raw pixels does not gain. Only measured where nothing states the preprocessing.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import type { ImageShape } from '../perturb/perturbation.ts';
import { evaluate } from './evaluate.ts';

export interface NormalisationProbe {
  /** Per channel, over the test images scored. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Clean accuracy on (x - mean) / std. */
  readonly accuracy: number;
}

/** A gain of at least this much (accuracy, as a fraction) from standardising says the model expects it. */
export const NORMALISATION_GAIN = 0.05;

export async function normalisationProbe(net: Network, params: readonly Float32Array[], split: Split, shape: ImageShape): Promise<NormalisationProbe> {
  const [c, h, w] = shape;
  const plane = h * w;
  const mean = new Array<number>(c).fill(0);
  const square = new Array<number>(c).fill(0);
  for (let i = 0; i < split.count; i++)
    for (let k = 0; k < c; k++)
      for (let j = 0; j < plane; j++) {
        const v = split.images[(i * c + k) * plane + j]!;
        mean[k]! += v;
        square[k]! += v * v;
      }
  const n = split.count * plane;
  const std = mean.map((s, k) => Math.sqrt(Math.max(0, square[k]! / n - (s / n) ** 2)));
  mean.forEach((s, k) => (mean[k] = s / n));
  const images = new Float32Array(split.count * c * plane);
  for (let i = 0; i < split.count; i++)
    for (let k = 0; k < c; k++)
      for (let j = 0; j < plane; j++) {
        const at = (i * c + k) * plane + j;
        images[at] = (split.images[at]! - mean[k]!) / (std[k]! || 1);
      }
  return { mean, std, accuracy: (await evaluate(net, params, split, images)).accuracy };
}
