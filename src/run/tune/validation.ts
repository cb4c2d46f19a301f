// The validation split used by tuning and the matched-accuracy view: a fixed, seeded
// subset of the training set (never the test set), the same for every optimizer and seed.
import type { Split } from '../../core/data/dataset.ts';
import { createRng, permutation } from '../../core/util/rng.ts';

export interface HoldOut {
  readonly train: Split;
  readonly validation: Split;
  /** Indices into the original training split, ascending. */
  readonly validationIndices: Uint32Array;
}

function take(split: Split, indices: ArrayLike<number>): Split {
  const d = split.images.length / split.count;
  const images = new Float32Array(indices.length * d);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(split.images.subarray(i * d, (i + 1) * d), k * d);
    labels[k] = split.labels[i]!;
  }
  return { images, labels, count: indices.length };
}

/** Holds out `size` training examples, drawn from the stream ("validation", seed 0). */
export function holdOut(split: Split, size: number): HoldOut {
  if (!(Number.isInteger(size) && size > 0 && size < split.count)) throw new Error(`validation size ${size} must be an integer in 1..${split.count - 1}`);
  const order = permutation(split.count, createRng(0, 'validation'));
  const validationIndices = order.slice(0, size).sort();
  const inValidation = new Uint8Array(split.count);
  for (const i of validationIndices) inValidation[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < split.count; i++) if (!inValidation[i]) rest.push(i);
  return { train: take(split, rest), validation: take(split, validationIndices), validationIndices };
}
