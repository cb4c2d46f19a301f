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
  const predicted = o.watch?.map(() => -1);
  // 1 where the example is classified correctly (its logits finite, their first maximum at its label).
  const correct = new Uint8Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const logits = await net.predict(params, images.subarray(start * d, (start + n) * d), n);
    tallyLogits(tally, logits, split.labels.subarray(start, start + n), n, classes);
    for (let i = 0; i < n; i++) {
      if (!finiteRow(logits, i, classes)) continue;
      const row = logits.subarray(i * classes, (i + 1) * classes);
      let arg = 0;
      for (let c = 1; c < classes; c++) if (row[c]! > row[arg]!) arg = c;
      correct[start + i] = arg === split.labels[start + i] ? 1 : 0;
    }
    o.watch?.forEach((i, k) => {
      if (i < start || i >= start + n || !finiteRow(logits, i - start, classes)) return;
      const row = logits.subarray((i - start) * classes, (i - start + 1) * classes);
      predicted![k] = row.indexOf(Math.max(...row));
    });
  }
  return predicted ? { ...scores(tally), predicted, correct } : { ...scores(tally), correct };
}
