// The headline scores against a worked example computed by hand (the arithmetic is in the
// comments): accuracy_auc (trapezoid with clean accuracy at severity 0, over the severity
// range), its relative form, ImageNet-C's corruption error against the reference, and mCE.
import { describe, expect, it } from 'vitest';
import { areaUnderCurve, scoreMeasurements, ALL } from '../../src/run/results/scores.ts';
import { describeFraction } from '../../src/measure/metrics/stats.ts';
import type { Measurement } from '../../src/run/experiment/measurement.ts';

const cell = (optimizer: string, points: [string, number, number][]): Measurement[] =>
  points.map(([perturbation, severity, value]) => ({ model: 'm', regime: 'standard', optimizer, seed: 0, perturbation, severity, metric: 'accuracy', value }));

// adam: clean 0.9; noise 0.1 -> 0.8, 0.3 -> 0.5; fgsm 0.05 -> 0.4.
const adam = cell('adam', [
  ['clean', 0, 0.9],
  ['gaussian_noise', 0.1, 0.8],
  ['gaussian_noise', 0.3, 0.5],
  ['fgsm', 0.05, 0.4],
]);
// sgd (the reference): clean 0.95; noise 0.1 -> 0.85, 0.3 -> 0.6; fgsm 0.05 -> 0.3.
const sgd = cell('sgd', [
  ['clean', 0, 0.95],
  ['gaussian_noise', 0.1, 0.85],
  ['gaussian_noise', 0.3, 0.6],
  ['fgsm', 0.05, 0.3],
]);

const value = (rows: Measurement[], perturbation: string, metric: string) => {
  const r = rows.filter((m) => m.perturbation === perturbation && m.metric === metric);
  expect(r, `${perturbation} ${metric}`).toHaveLength(1);
  return r[0]!.value;
};

describe('scores', () => {
  const rows = scoreMeasurements(adam, sgd, 'accuracy');

  it('accuracy_auc: trapezoids from clean at severity 0, divided by the severity range', () => {
    // noise: 0.1·(0.9+0.8)/2 + 0.2·(0.8+0.5)/2 = 0.085 + 0.13 = 0.215, over 0.3 -> 0.716666...
    expect(value(rows, 'gaussian_noise', 'accuracy_auc')).toBeCloseTo(0.215 / 0.3, 12);
    // fgsm: 0.05·(0.9+0.4)/2 = 0.0325, over 0.05 -> 0.65
    expect(value(rows, 'fgsm', 'accuracy_auc')).toBeCloseTo(0.65, 12);
    // Unsorted severities are sorted first; one point at severity 0 is clean accuracy itself.
    expect(
      areaUnderCurve(
        0.9,
        new Map([
          [0.3, 0.5],
          [0.1, 0.8],
        ]),
      ),
    ).toBeCloseTo(0.215 / 0.3, 12);
    expect(areaUnderCurve(0.7, new Map())).toBe(0.7);
  });

  it('accuracy_auc_relative: the area over clean accuracy', () => {
    expect(value(rows, 'gaussian_noise', 'accuracy_auc_relative')).toBeCloseTo(0.215 / 0.3 / 0.9, 12);
    expect(value(rows, 'fgsm', 'accuracy_auc_relative')).toBeCloseTo(0.65 / 0.9, 12);
  });

  it("corruption_error: errors summed over severities over the reference's; mCE their mean", () => {
    // noise: ((1-0.8)+(1-0.5)) / ((1-0.85)+(1-0.6)) = 0.7 / 0.55
    expect(value(rows, 'gaussian_noise', 'corruption_error')).toBeCloseTo(0.7 / 0.55, 12);
    // fgsm: 0.6 / 0.7
    expect(value(rows, 'fgsm', 'corruption_error')).toBeCloseTo(0.6 / 0.7, 12);
    expect(value(rows, ALL, 'mean_corruption_error')).toBeCloseTo((0.7 / 0.55 + 0.6 / 0.7) / 2, 12);
    // The reference against itself: exactly 1.
    const own = scoreMeasurements(sgd, sgd, 'accuracy');
    expect(value(own, ALL, 'mean_corruption_error')).toBe(1);
  });

  it('a severity only one arm has is left out of the corruption error (the same severities on both sides)', () => {
    const extra = [...adam, ...cell('adam', [['gaussian_noise', 0.5, 0.2]])];
    expect(value(scoreMeasurements(extra, sgd, 'accuracy'), 'gaussian_noise', 'corruption_error')).toBeCloseTo(0.7 / 0.55, 12);
  });

  it('without a reference: areas only; with the matched metric: matched_accuracy_auc and no relative form', () => {
    const alone = scoreMeasurements(adam, undefined, 'accuracy');
    expect(alone.map((m) => m.metric).sort()).toEqual(['accuracy_auc', 'accuracy_auc', 'accuracy_auc_relative', 'accuracy_auc_relative']);
    const matched = scoreMeasurements(
      adam.map((m) => ({ ...m, metric: 'matched_accuracy' })),
      sgd,
      'matched_accuracy',
    );
    expect(matched.map((m) => m.metric)).toEqual(['matched_accuracy_auc', 'matched_accuracy_auc']);
    expect(value(matched, 'gaussian_noise', 'matched_accuracy_auc')).toBeCloseTo(0.215 / 0.3, 12);
  });
});

describe("summary.csv's interval for fractions", () => {
  it('[0.8, 0.9]: the t interval of the logits, mapped back', () => {
    // logit(0.8) = ln 4, logit(0.9) = ln 9; mean ln 6, sd (ln 9 - ln 4)/sqrt 2, half-width t(0.975, 1)·sd/sqrt 2 = 12.7062047·(ln 9 - ln 4)/2
    const half = (12.706204736174698 * (Math.log(9) - Math.log(4))) / 2;
    const d = describeFraction([0.8, 0.9]);
    expect(d.mean).toBeCloseTo(0.85, 12);
    expect(d.ciLow).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(6) - half))), 9);
    expect(d.ciHigh).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(6) + half))), 9);
  });
});
