// Behaviour independent of fixtures: every optimizer, at a sensible learning rate,
// minimises an ill-conditioned convex quadratic and the Rosenbrock function.
import { describe, expect, it } from 'vitest';
import { createOptimizer, listOptimizers } from '../../src/core/optim/registry.ts';

// f(x) = ½ Σ cᵢ xᵢ², condition number 10; minimum 0 at the origin.
const C = [1, 3, 10];
const quadratic = (x: Float32Array) => 0.5 * C.reduce((s, c, i) => s + c * x[i]! ** 2, 0);
const quadraticGrad = (x: Float32Array) => Float32Array.from(C, (c, i) => c * x[i]!);
// Rosenbrock f(a, b) = (1 - a)² + 100 (b - a²)²; minimum 0 at (1, 1).
const rosen = (x: Float32Array) => (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2;
const rosenGrad = (x: Float32Array) => Float32Array.from([-2 * (1 - x[0]!) - 400 * x[0]! * (x[1]! - x[0]! ** 2), 200 * (x[1]! - x[0]! ** 2)]);

// [options for the quadratic, options for Rosenbrock]; chosen once by hand, per optimizer.
const SETTINGS: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  sgd: [{ lr: 0.1 }, { lr: 1e-3, momentum: 0.9 }],
  rmsprop: [{ lr: 0.01 }, { lr: 1e-3 }],
  adagrad: [{ lr: 0.5 }, { lr: 0.1 }],
  adadelta: [{ lr: 0.5 }, { lr: 0.05 }],
  adam: [{ lr: 0.05 }, { lr: 0.02 }],
  adamw: [
    { lr: 0.05, weightDecay: 0 },
    { lr: 0.02, weightDecay: 0 },
  ],
  adamax: [{ lr: 0.05 }, { lr: 0.02 }],
  nadam: [{ lr: 0.05 }, { lr: 0.02 }],
  radam: [{ lr: 0.05 }, { lr: 3e-3 }],
  lion: [{ lr: 0.005 }, { lr: 0.001 }],
  adabelief: [{ lr: 0.05 }, { lr: 0.005 }],
  schedulefree_sgd: [{ lr: 0.1 }, { lr: 1e-3 }],
  schedulefree_adamw: [{ lr: 0.05 }, { lr: 0.02 }],
  adafactor: [{ lr: 0.1 }, { lr: 0.1 }],
  muon: [{ adamLr: 0.05 }, { adamLr: 0.02 }], // vectors: Muon's Adam fallback (its matrices are checked in modern.test.ts)
  sophia: [
    { lr: 1e-3, weightDecay: 0 },
    { lr: 1e-3, weightDecay: 0 },
  ], // no curvature estimate here: sign steps of lr (h = 0); modern.test.ts trains it with one
  lamb: [{ lr: 0.05 }, { lr: 0.005 }], // a normalised step of lr·‖p‖: on Rosenbrock 0.002-0.003 crawl and 0.007+ circle the minimum
};

async function minimise(
  name: string,
  options: Record<string, unknown>,
  f: (x: Float32Array) => number,
  grad: (x: Float32Array) => Float32Array,
  x0: number[],
  steps: number,
) {
  const x = Float32Array.from(x0);
  const opt = createOptimizer(name, options);
  for (let t = 0; t < steps; t++) await opt.stepAsync([x], [grad(x)]);
  return f(x);
}

describe('every optimizer minimises simple functions from a fixed start', () => {
  it('has settings for every registered optimizer', () => expect(Object.keys(SETTINGS).sort()).toEqual(listOptimizers().sort()));

  for (const name of Object.keys(SETTINGS)) {
    it(`${name}: quadratic from f = ${quadratic(Float32Array.from([1, -1, 1])).toFixed(1)} to below 1e-3 in 2000 steps`, async () => {
      expect(await minimise(name, SETTINGS[name]![0], quadratic, quadraticGrad, [1, -1, 1], 2000)).toBeLessThan(1e-3);
    });
    it(`${name}: Rosenbrock from (-1, 1), f = 4, to below 0.05 in 5000 steps`, async () => {
      expect(await minimise(name, SETTINGS[name]![1], rosen, rosenGrad, [-1, 1], 5000)).toBeLessThan(0.05);
    });
  }
});
