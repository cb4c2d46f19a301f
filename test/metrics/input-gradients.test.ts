// The gradient oracle returns each example's own loss gradient (∂ℓᵢ/∂xᵢ), checked against
// finite differences of that example's loss; norms are computed per example.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { inputGradientNorms } from '../../src/measure/metrics/input-gradients.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { finiteDiff, randomArray, refModelLoss, relError } from '../helpers/reference.ts';

describe('input gradients', () => {
  const net = new Network({ kind: 'mlp', hidden: [8] }, [1, 3, 3], 3);
  const params = net.initWeights(2);
  const COUNT = 7;
  const x = Float32Array.from(randomArray(COUNT * 9, createRng(5, 'ig'), 0, 1));
  const labels = Uint8Array.from({ length: COUNT }, (_, i) => i % 3);

  it('per-example loss gradients across several batches match finite differences of each example alone', async () => {
    const g = await gradientOracle(net, params, 3)(x, labels, COUNT); // batches of 3, 3, 1
    const p64 = params.map((p) => Float64Array.from(p));
    for (let i = 0; i < COUNT; i++) {
      const xi = Float64Array.from(x.subarray(i * 9, (i + 1) * 9));
      const fd = finiteDiff(() => refModelLoss(net.model, xi, p64, [labels[i]!], 3), xi);
      expect(relError(g.subarray(i * 9, (i + 1) * 9), fd)).toBeLessThan(1e-3);
    }
  });

  it('summarises the per-example L2 and L1 norms', async () => {
    const oracle = gradientOracle(net, params);
    const g = await oracle(x, labels, COUNT);
    const l2 = Array.from({ length: COUNT }, (_, i) => Math.hypot(...g.subarray(i * 9, (i + 1) * 9)));
    const l1 = Array.from({ length: COUNT }, (_, i) => g.subarray(i * 9, (i + 1) * 9).reduce((s, v) => s + Math.abs(v), 0));
    const norms = await inputGradientNorms(oracle, x, labels, COUNT);
    expect(norms.l2.mean).toBeCloseTo(l2.reduce((a, b) => a + b) / COUNT, 6);
    expect(norms.l1.max).toBeCloseTo(Math.max(...l1), 6);
    expect(norms.l1.mean).toBeGreaterThanOrEqual(norms.l2.mean); // ‖v‖₁ ≥ ‖v‖₂
  });
});
