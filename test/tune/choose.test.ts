// The tuner: log-spaced grids, the choice by mean validation score, edge flags, and on a
// problem where the best learning rate is known by construction it picks that one.
import { describe, expect, it } from 'vitest';
import { chooseLearningRate, lrGrid, type TuneTrial } from '../../src/run/tune/choose.ts';
import { createOptimizer } from '../../src/core/optim/registry.ts';

describe('lrGrid', () => {
  it('spaces points evenly in log10 from min to max', () => {
    expect(lrGrid(1e-4, 1, 5)).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(lrGrid(1e-5, 1e-1, 7)).toHaveLength(7);
    expect(() => lrGrid(1, 0.1, 3)).toThrow(/0 < min < max/);
  });
});

// f(x) = ½ c ‖x‖². Gradient descent with lr = 1/c lands on the minimum in one step,
// so after a few steps that grid point has the lowest loss of all.
function quadraticTrials(c: number, grid: number[]): TuneTrial[] {
  return grid.flatMap((lr) =>
    [0, 1].map((seed) => {
      const x = Float32Array.from([1 + seed, -2 + seed, 0.5]);
      const opt = createOptimizer('sgd', { lr });
      for (let t = 0; t < 3; t++) opt.step([x], [x.map((v) => c * v)]);
      const loss = 0.5 * c * x.reduce((s, v) => s + v * v, 0);
      return { lr, seed, diverged: !Number.isFinite(loss), valAccuracy: Number.NaN, valLoss: loss };
    }),
  );
}

describe('chooseLearningRate', () => {
  const grid = lrGrid(1e-3, 10, 9); // 1e-3, 3.16e-3, 1e-2, ..., 0.1, ..., 10

  it('picks lr = 1/c on a quadratic, where that rate is optimal by construction', () => {
    const choice = chooseLearningRate(quadraticTrials(10, grid), 'loss');
    expect(choice.lr).toBe(0.1);
    expect(choice.atEdge).toBeNull();
  });

  it('flags a choice at either end of the grid', () => {
    expect(chooseLearningRate(quadraticTrials(1000, grid), 'loss')).toMatchObject({ lr: 1e-3, atEdge: 'low' });
    expect(chooseLearningRate(quadraticTrials(0.1, grid), 'loss')).toMatchObject({ lr: 10, atEdge: 'high' });
  });

  it('averages accuracy over seeds and ranks a diverged trial worst', () => {
    const t = (lr: number, seed: number, acc: number, diverged = false): TuneTrial => ({
      lr,
      seed,
      diverged,
      valAccuracy: diverged ? Number.NaN : acc,
      valLoss: 0,
    });
    const choice = chooseLearningRate([t(0.01, 0, 0.7), t(0.01, 1, 0.9), t(0.1, 0, 0.85), t(0.1, 1, 0.85), t(1, 0, 0.99), t(1, 1, 0, true)], 'accuracy');
    expect(choice.lr).toBe(0.1); // 0.85 beats 0.8 (mean) and a half-diverged 1
    expect(choice.scores.map((s) => s.diverged)).toEqual([0, 0, 1]);
  });
});
