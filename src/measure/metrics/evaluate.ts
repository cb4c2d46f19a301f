// Clean evaluation: accuracy and mean loss of a model over a split, in fixed-size batches.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { emptyTally, finiteRow, scores, tallyLogits, type Scores } from './classification.ts';

export const EVAL_BATCH = 500;

export interface EvaluateOptions {
  readonly batch?: number;
  /** Examples (indices into the split) whose predicted class to return, in this order: the report's gallery. */
  readonly watch?: readonly number[];
}

/** Scores with the watched examples' predicted classes (-1 where the logits were not finite). */
export type WatchedScores = Scores & { readonly predicted?: readonly number[] };

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
  const predicted = o.watch?.map(() => -1);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const logits = await net.predict(params, images.subarray(start * d, (start + n) * d), n);
    tallyLogits(tally, logits, split.labels.subarray(start, start + n), n, classes);
    o.watch?.forEach((i, k) => {
      if (i < start || i >= start + n || !finiteRow(logits, i - start, classes)) return;
      const row = logits.subarray((i - start) * classes, (i - start + 1) * classes);
      predicted![k] = row.indexOf(Math.max(...row));
    });
  }
  return predicted ? { ...scores(tally), predicted } : scores(tally);
}
