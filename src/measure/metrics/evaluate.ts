// Clean evaluation: accuracy and mean loss of a model over a split, in fixed-size batches.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { emptyTally, scores, tallyLogits, type Scores } from './classification.ts';

export const EVAL_BATCH = 500;

export interface EvaluateOptions {
  readonly batch?: number;
  /** Examples (indices into the split) whose predicted class to return, in this order: the report's gallery. */
  readonly watch?: readonly number[];
}

/** Scores with the watched examples' predicted classes (-1 where the logits were not finite), and every example's outcome. */
export type WatchedScores = Scores & { readonly predicted?: readonly number[]; readonly correct: Uint8Array };

/** Scores `images` (defaults to the split's own) against the split's labels. */
export async function evaluate(
  net: Network,
  params: readonly Float32Array[],
  split: Split,
  images: Float32Array = split.images,
  o: EvaluateOptions = {},
): Promise<WatchedScores> {
  const batch = o.batch ?? EVAL_BATCH;
  const classes = net.numClasses;
  const d = images.length / split.count;
  const tally = emptyTally(classes);
  // Every example's class as the tally found it (its first maximum; -1 where the logits were not finite).
  const classOf = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const logits = await net.predict(params, images.subarray(start * d, (start + n) * d), n);
    tallyLogits(tally, logits, split.labels.subarray(start, start + n), n, classes, classOf.subarray(start, start + n));
  }
  const correct = Uint8Array.from(classOf, (c, i) => (c === split.labels[i] ? 1 : 0));
  return o.watch ? { ...scores(tally), predicted: o.watch.map((i) => classOf[i]!), correct } : { ...scores(tally), correct };
}
