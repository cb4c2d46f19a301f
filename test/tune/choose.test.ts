// The tuner: log-spaced grids, the choice by mean validation score, edge flags, and on a
// problem where the best learning rate is known by construction it picks that one.
import { describe, expect, it } from 'vitest';
import { chooseLearningRate, chooseTrial, lrGrid, type TuneTrial } from '../../src/run/tune/choose.ts';
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

describe('chooseTrial', () => {
  const space = [
    ['lr', { scale: 'log', min: 1e-3, max: 10 }],
    ['weightDecay', { scale: 'log', min: 1e-6, max: 1e-2 }],
  ] as const;
  // Validation accuracy peaks at lr 0.1 and falls with weight decay: known by construction.
  const acc = (lr: number, wd: number, seed: number) => 0.9 - 0.1 * Math.abs(Math.log10(lr) + 1) - 5 * wd + 0.001 * seed;
  const points = [
    { lr: 5, weightDecay: 1e-3 },
    { lr: 0.12, weightDecay: 1e-5 },
    { lr: 0.0011, weightDecay: 2e-6 },
    { lr: 0.09, weightDecay: 1.1e-6 },
    { lr: 0.3, weightDecay: 5e-3 },
  ];
  const trials: TuneTrial[] = points.flatMap((params, trial) =>
    [0, 1].map((seed) => ({ lr: params.lr, trial, params, seed, diverged: false, valAccuracy: acc(params.lr, params.weightDecay, seed), valLoss: 0 })),
  );

  it('picks the trial with the best mean over seeds and flags its values at an edge', () => {
    const c = chooseTrial(trials, 'accuracy', space);
    expect(c.trial).toBe(3);
    expect(c.params).toEqual(points[3]);
    expect(c.scores.map((s) => s.trial)).toEqual([0, 1, 2, 3, 4]);
    expect(c.scores[3]!.score).toBeCloseTo(acc(0.09, 1.1e-6, 0) + 0.0005, 12);
    // weightDecay 1.1e-6 lies in the lowest tenth of [1e-6, 1e-2] (log scale); lr 0.09 does not.
    expect(c.edges).toEqual([{ name: 'weightDecay', side: 'low' }]);
    expect(c.atEdge).toBeNull();
  });

  it('chooses within a budget from the first trials only (nested prefixes)', () => {
    expect(chooseTrial(trials, 'accuracy', space, 2).trial).toBe(1);
    expect(chooseTrial(trials, 'accuracy', space, 1)).toMatchObject({ trial: 0, atEdge: 'high' });
    expect(chooseTrial(trials, 'accuracy', space, 5).trial).toBe(3);
  });

  it('ranks a diverged trial worst whatever its other seed scored', () => {
    const t = trials.map((x) => (x.trial === 3 && x.seed === 1 ? { ...x, diverged: true, valAccuracy: Number.NaN } : x));
    expect(chooseTrial(t, 'accuracy', space).trial).toBe(1);
  });
});
