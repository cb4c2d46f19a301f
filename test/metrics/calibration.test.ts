// Calibration under perturbation: ECE (15 equal-width bins of top-class confidence) and the
// Brier score, against values worked out by hand from the definitions.
import { describe, expect, it } from 'vitest';
import { ECE_BINS, eceBin, emptyTally, scores, tallyLogits } from '../../src/measure/metrics/classification.ts';

/** Logits whose softmax is exactly the given probabilities (up to float32 rounding of the logs). */
const logitsOf = (rows: number[][]) => Float32Array.from(rows.flatMap((r) => r.map(Math.log)));

describe('calibration', () => {
  it('ECE, Brier and NLL of four examples worked out by hand', () => {
    const t = emptyTally();
    // confidences 0.9 (right), 0.9 (wrong), 0.7 (right), 0.55 (right)
    tallyLogits(
      t,
      logitsOf([
        [0.9, 0.1],
        [0.9, 0.1],
        [0.3, 0.7],
        [0.55, 0.45],
      ]),
      [0, 1, 1, 0],
      4,
      2,
    );
    const s = scores(t);
    // bins: 0.9 -> 13 (2 examples, 1 right, confidence 1.8); 0.7 -> 10; 0.55 -> 8
    expect(s.ece).toBeCloseTo((Math.abs(1 - 1.8) + Math.abs(1 - 0.7) + Math.abs(1 - 0.55)) / 4, 6); // 0.3875
    expect(s.brier).toBeCloseTo((0.02 + 1.62 + 0.18 + 0.405) / 4, 6); // 0.55625
    expect(s.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.1) + Math.log(0.7) + Math.log(0.55)) / 4, 6);
    expect(s.accuracy).toBe(0.75);
  });

  it('is 0 for predictions exactly as often right as they are confident, and the gap for overconfident ones', () => {
    const calibrated = emptyTally();
    const labels = Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
    tallyLogits(calibrated, logitsOf(labels.map(() => [0.8, 0.1, 0.1])), labels, 100, 3);
    expect(scores(calibrated).ece).toBeCloseTo(0, 6);
    const over = emptyTally();
    const half = Array.from({ length: 100 }, (_, i) => i % 2);
    tallyLogits(over, logitsOf(half.map(() => [0.95, 0.05])), half, 100, 2);
    expect(scores(over).ece).toBeCloseTo(0.45, 6);
    // Brier for always-0.95 on half-right predictions: (0.05² + 0.05²)/2 + (0.95² + 0.95²)/2
    expect(scores(over).brier).toBeCloseTo((2 * 0.05 ** 2 + 2 * 0.95 ** 2) / 2, 6);
  });

  it('bins confidences in (0, 1] with the upper edges inclusive', () => {
    expect(ECE_BINS).toBe(15);
    expect(eceBin(1)).toBe(14);
    expect(eceBin(0.5)).toBe(7);
    expect(eceBin(1 / 15 + 1e-9)).toBe(1);
    expect(eceBin(1 / 15 - 1e-9)).toBe(0);
    expect(eceBin(0.1)).toBe(1);
  });
});
