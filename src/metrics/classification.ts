// Accuracy and mean softmax cross-entropy from logits, accumulated in float64.

export interface Tally {
  correct: number;
  lossSum: number;
  count: number;
}

export const emptyTally = (): Tally => ({ correct: 0, lossSum: 0, count: 0 });

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
    if (arg === label) t.correct++;
    t.count++;
  }
}

export interface Scores {
  readonly accuracy: number;
  readonly loss: number;
  readonly count: number;
}

export const scores = (t: Tally): Scores => ({ accuracy: t.correct / t.count, loss: t.lossSum / t.count, count: t.count });
