// Accuracy, mean softmax cross-entropy (the NLL), and calibration from logits, accumulated
// in float64. A model whose logits are not finite (a NaN weight, an overflow) has no
// accuracy: one such example makes every score NaN, so it can never pass for a model at
// chance; `nonFinite` counts them. Calibration as Ovadia et al. (2019) measure it under shift:
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
  /** Examples with a NaN or infinite logit. */
  nonFinite: number;
  /** Per bin: examples, correct ones, and the sum of their top-class confidences. */
  readonly binCount: Float64Array;
  readonly binCorrect: Float64Array;
  readonly binConfidence: Float64Array;
  /** Per class (by label): examples and correct ones; empty when the tally was made without a class count. */
  readonly classCount: Float64Array;
  readonly classCorrect: Float64Array;
  /** confusion[label * classes + predicted]: counted when the class count is at most CONFUSION_MAX_CLASSES, else empty. */
  readonly confusion: Float64Array;
}

/** Above this many classes a confusion matrix is neither kept nor drawn (100 classes would be 10,000 numbers a point). */
export const CONFUSION_MAX_CLASSES = 20;

export const emptyTally = (classes = 0): Tally => ({
  correct: 0,
  lossSum: 0,
  count: 0,
  brierSum: 0,
  nonFinite: 0,
  binCount: new Float64Array(ECE_BINS),
  binCorrect: new Float64Array(ECE_BINS),
  binConfidence: new Float64Array(ECE_BINS),
  classCount: new Float64Array(classes),
  classCorrect: new Float64Array(classes),
  confusion: new Float64Array(classes <= CONFUSION_MAX_CLASSES ? classes * classes : 0),
});

/** The bin of a confidence in (0, 1]: upper edges inclusive. */
export const eceBin = (confidence: number): number => Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(confidence * ECE_BINS) - 1));

/** Adds `n` examples' logits ([n, classes]) with their labels to the tally; `predictions` (n long) gets each example's class (-1: not finite). */
export function tallyLogits(t: Tally, logits: Float32Array, labels: ArrayLike<number | bigint>, n: number, classes: number, predictions?: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    let arg = 0;
    let finite = true;
    for (let c = 0; c < classes; c++) {
      const v = logits[row + c]!;
      if (!Number.isFinite(v)) finite = false;
      if (v > max) {
        max = v;
        arg = c;
      }
    }
    t.count++;
    const label = Number(labels[i]!);
    if (label < t.classCount.length) t.classCount[label]! += 1;
    if (predictions) predictions[i] = finite ? arg : -1;
    if (!finite) {
      t.nonFinite++;
      continue;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c]! - max);
    t.lossSum += max + Math.log(sum) - logits[row + label]!;
    let brier = 0;
    for (let c = 0; c < classes; c++) brier += (Math.exp(logits[row + c]! - max) / sum - (c === label ? 1 : 0)) ** 2;
    t.brierSum += brier;
    const confidence = 1 / sum; // the top class's probability: exp(max - max) / sum
    const b = eceBin(confidence);
    t.binCount[b]! += 1;
    t.binConfidence[b]! += confidence;
    if (t.confusion.length && label < t.classCount.length) t.confusion[label * t.classCount.length + arg]! += 1;
    if (arg === label) {
      t.correct++;
      t.binCorrect[b]! += 1;
      if (label < t.classCorrect.length) t.classCorrect[label]! += 1;
    }
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
  /** Examples whose logits were not finite; when any, every score above is NaN. */
  readonly nonFinite: number;
  /** Correct examples per class (by label), when the tally counted classes and every logit was finite. */
  readonly classCorrect?: readonly number[];
  /** Examples by (label, predicted class), row-major, under the same conditions and at most CONFUSION_MAX_CLASSES classes. */
  readonly confusion?: readonly number[];
}

export const scores = (t: Tally): Scores =>
  t.nonFinite > 0
    ? { accuracy: Number.NaN, loss: Number.NaN, count: t.count, ece: Number.NaN, brier: Number.NaN, nonFinite: t.nonFinite }
    : {
        accuracy: t.correct / t.count,
        loss: t.lossSum / t.count,
        count: t.count,
        ece: expectedCalibrationError(t),
        brier: t.brierSum / t.count,
        nonFinite: 0,
        ...(t.classCorrect.length ? { classCorrect: Array.from(t.classCorrect) } : {}),
        ...(t.confusion.length ? { confusion: Array.from(t.confusion) } : {}),
      };

/** Whether example i's logits are all finite. */
export function finiteRow(logits: Float32Array, i: number, classes: number): boolean {
  for (let c = i * classes; c < (i + 1) * classes; c++) if (!Number.isFinite(logits[c]!)) return false;
  return true;
}
