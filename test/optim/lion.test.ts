// Lion is not in torch 1.13: it is checked against a float64 transcription of the
// paper's Algorithm 2 (Chen et al. 2023), written here independently of src/.
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/core/optim/registry.ts';
import { createRng } from '../../src/core/util/rng.ts';

function lionReference(p0: number[], grads: number[][], lr: number, b1: number, b2: number, wd: number): number[][] {
  const p = [...p0];
  const m = p0.map(() => 0);
  const out: number[][] = [];
  for (const g of grads) {
    for (let i = 0; i < p.length; i++) {
      const c = b1 * m[i]! + (1 - b1) * g[i]!; // interpolate
      p[i] = p[i]! - lr * (Math.sign(c) + wd * p[i]!); // sign update with decoupled decay
      m[i] = b2 * m[i]! + (1 - b2) * g[i]!; // momentum tracks with β2
    }
    out.push([...p]);
  }
  return out;
}

describe('lion', () => {
  for (const [lr, b1, b2, wd] of [
    [1e-4, 0.9, 0.99, 0],
    [3e-3, 0.95, 0.98, 0.1],
  ] as const) {
    it(`follows the paper's update (lr ${lr}, betas ${b1}/${b2}, wd ${wd}) for 30 steps`, () => {
      const rng = createRng(1, 'lion-test');
      const p0 = Array.from({ length: 40 }, () => Math.fround(rng() * 2 - 1));
      const grads = Array.from({ length: 30 }, () => p0.map(() => Math.fround(rng() * 2 - 1)));
      const ref = lionReference(p0, grads, lr, b1, b2, wd);
      const p = Float32Array.from(p0);
      const opt = createOptimizer('lion', { lr, betas: [b1, b2], weightDecay: wd });
      grads.forEach((g, k) => {
        opt.step([p], [Float32Array.from(g)]);
        p.forEach((v, i) => expect(Math.abs(v - ref[k]![i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(ref[k]![i]!)));
      });
    });
  }

  it('moves every coordinate by exactly lr when weight decay is off and the momentum is non-zero', () => {
    const p = new Float32Array([0.5, -0.25, 1]);
    createOptimizer('lion', { lr: 0.01 }).step([p], [new Float32Array([2, -3, 0.5])]);
    expect(Array.from(p)).toEqual([0.49, -0.24, 0.99].map(Math.fround));
  });
});
