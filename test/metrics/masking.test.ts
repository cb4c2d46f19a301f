// The gradient-masking checks (src/measure/metrics/masking.ts): each check on points built to
// pass or fail it by a known margin, and on real models: an ordinary trained MLP passes every
// check; the same MLP with its logits scaled by 1e4 (same predictions, a softmax saturated to
// exact 0/1 in float32, so the cross-entropy gradient vanishes: a masked gradient) is caught
// by the black-box check, Square breaking what PGD and APGD cannot.
import { describe, expect, it } from 'vitest';
import { maskingChecks } from '../../src/measure/metrics/masking.ts';
import type { SweepPoint } from '../../src/measure/metrics/robustness.ts';
import { evaluateSweeps } from '../../src/measure/metrics/robustness.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { attackedModel } from '../helpers/attacked-model.ts';

const pt = (perturbation: string, severity: number, accuracy: number): SweepPoint => ({ perturbation, severity, accuracy, loss: 0 });
// 300 examples, 30 per class: tolerance max(1 point, 3/300) = 1 point; black-box alpha max(0.2%, 1/300).
const counts = new Array<number>(10).fill(30);
const failed = (points: SweepPoint[], classCounts: number[] = counts) =>
  maskingChecks(points, classCounts)
    .filter((c) => c.value === 1)
    .map((c) => `${c.check} ${c.perturbation} ${c.severity}`);

describe('gradient-masking checks', () => {
  it('black box: Square below the strongest iterative white-box attack by more than 1/n fails; by 1/n passes; FGSM is no comparison', () => {
    expect(failed([pt('clean', 0, 0.9), pt('apgd', 0.05, 0.5), pt('apgd_t', 0.05, 0.45), pt('square', 0.05, 0.44)])).toEqual(['masking_black_box square 0.05']);
    expect(failed([pt('apgd_t', 0.05, 0.45), pt('square', 0.05, 0.45 - 1 / 300)])).toEqual([]);
    expect(failed([pt('fgsm', 0.05, 0.6), pt('square', 0.05, 0.4)])).toEqual([]);
    // L2 attacks are compared with L2 attacks only.
    expect(failed([pt('apgd_l2', 0.05, 0.6), pt('square', 0.05, 0.4)])).toEqual([]);
    const checks = maskingChecks([pt('apgd_t', 0.05, 0.45), pt('square', 0.05, 0.46)], counts);
    expect(checks.find((c) => c.check === 'masking_black_box')).toMatchObject({ value: 0, perturbation: 'square', severity: 0.05 });
  });

  it('not monotone: accuracy rising by more than a point from one eps to the next fails', () => {
    expect(failed([pt('pgd', 0.01, 0.6), pt('pgd', 0.03, 0.62), pt('pgd', 0.1, 0.3)])).toEqual(['masking_not_monotone pgd 0.03']);
    expect(failed([pt('pgd', 0.01, 0.6), pt('pgd', 0.03, 0.609)])).toEqual([]);
  });

  it('more passes: an attack with 10x the passes of another leaving higher accuracy fails', () => {
    // apgd_t: 900 passes against pgd's 10.
    expect(failed([pt('pgd', 0.05, 0.5), pt('apgd_t', 0.05, 0.52)])).toEqual(['masking_more_passes apgd_t 0.05']);
    expect(failed([pt('pgd', 0.05, 0.5), pt('apgd_t', 0.05, 0.505)])).toEqual([]);
    // apgd (10 passes) against pgd (10): not 10x.
    expect(failed([pt('pgd', 0.05, 0.5), pt('apgd', 0.05, 0.6)])).toEqual([]);
  });

  it("large eps: above the largest class's share at L-inf eps >= 0.5 fails", () => {
    const skewed = [60, ...new Array<number>(9).fill(240 / 9)];
    expect(failed([pt('pgd', 0.5, 0.25)], skewed)).toEqual(['masking_large_eps pgd 0.5']);
    expect(failed([pt('pgd', 0.5, 0.2)], skewed)).toEqual([]);
    expect(failed([pt('pgd', 0.4, 0.9)], skewed)).toEqual([]);
  });

  it('an ordinary model passes; the same model with a saturated softmax is caught by the black-box check', async () => {
    const m = await attackedModel();
    const n = 100;
    const test = { images: m.test.images.subarray(0, n * 784), labels: m.test.labels.subarray(0, n), count: n };
    const sweeps = { pgd: [0.05], apgd: [0.05], square: [0.05] };
    const counts10 = Array.from({ length: 10 }, (_, c) => test.labels.filter((y) => y === c).length);
    const check = async (weights: Float32Array[]) =>
      failed(await evaluateSweeps(m.net, weights, test, [1, 28, 28], sweeps, 0, gradientOracle(m.net, weights)), counts10);
    expect(await check(m.weights)).toEqual([]);
    // The head (the last dense layer's weight and bias) times 1e4: the same argmax everywhere.
    const masked = m.weights.map((w, i) => (i >= m.weights.length - 2 ? w.map((v) => v * 1e4) : w));
    expect(await check(masked)).toEqual(['masking_black_box square 0.05']);
  }, 120_000);
});
