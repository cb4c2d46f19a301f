// Accuracy, mean softmax cross-entropy (the NLL), and calibration from logits, accumulated
// in float64. Calibration as Ovadia et al. (2019) measure it under shift:
//   ECE (Guo et al. 2017): the top-class confidences binned into 15 equal-width bins
//     ((0, 1/15], (1/15, 2/15], ...); ECE = Σ_b (n_b / n)·|accuracy_b - mean confidence_b|.
//   Brier score: the mean over examples of Σ_c (p_c - 1[c = label])².

/** Calibration bins of the expected calibration error. */
export const ECE_BINS = 15;

export interface Tally {
  correct: number;
  lossSum: number;
  count: number;
  brierSum: number;
  /** Per bin: examples, correct ones, and the sum of their top-class confidences. */
  readonly binCount: Float64Array;
  readonly binCorrect: Float64Array;
  readonly binConfidence: Float64Array;
}

export const emptyTally = (): Tally => ({
  correct: 0,
  lossSum: 0,
  count: 0,
  brierSum: 0,
  binCount: new Float64Array(ECE_BINS),
  binCorrect: new Float64Array(ECE_BINS),
  binConfidence: new Float64Array(ECE_BINS),
});

/** The bin of a confidence in (0, 1]: upper edges inclusive. */
export const eceBin = (confidence: number): number => Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(confidence * ECE_BINS) - 1));

/** Adds `n` examples' logits ([n, classes]) with their labels to the tally. */
export function tallyLogits(t: Tally, logits: Float32Array, labels: ArrayLike<number | bigint>, n: number, classes: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      const v = logits[row + c]!;
      if (v > max) {
        max = v;
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c]! - max);
    const label = Number(labels[i]!);
    t.lossSum += max + Math.log(sum) - logits[row + label]!;
    let brier = 0;
    for (let c = 0; c < classes; c++) brier += (Math.exp(logits[row + c]! - max) / sum - (c === label ? 1 : 0)) ** 2;
    t.brierSum += brier;
    const confidence = 1 / sum; // the top class's probability: exp(max - max) / sum
    const b = eceBin(confidence);
    t.binCount[b]! += 1;
    t.binConfidence[b]! += confidence;
    if (arg === label) {
      t.correct++;
      t.binCorrect[b]! += 1;
    }
    t.count++;
  }
}

export function expectedCalibrationError(t: Tally): number {
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) if (t.binCount[b]! > 0) ece += Math.abs(t.binCorrect[b]! - t.binConfidence[b]!) / t.count;
  return ece;
}

export interface Scores {
  readonly accuracy: number;
  /** Mean cross-entropy: the negative log-likelihood. */
  readonly loss: number;
  readonly count: number;
  readonly ece: number;
  readonly brier: number;
}

export const scores = (t: Tally): Scores => ({ accuracy: t.correct / t.count, loss: t.lossSum / t.count, count: t.count, ece: expectedCalibrationError(t), brier: t.brierSum / t.count });
