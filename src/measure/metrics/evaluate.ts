// Clean evaluation: accuracy and mean loss of a model over a split, in fixed-size batches.
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { emptyTally, scores, tallyLogits, type Scores } from './classification.ts';

export const EVAL_BATCH = 500;

/** Scores `images` (defaults to the split's own) against the split's labels. */
export async function evaluate(
  net: Network,
  params: readonly Float32Array[],
  split: Split,
  images: Float32Array = split.images,
  batch = EVAL_BATCH,
): Promise<Scores> {
  const d = images.length / split.count;
  const tally = emptyTally(net.numClasses);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const logits = await net.predict(params, images.subarray(start * d, (start + n) * d), n);
    tallyLogits(tally, logits, split.labels.subarray(start, start + n), n, net.numClasses);
  }
  return scores(tally);
}
