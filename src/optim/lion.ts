// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Alg. 2):
//   c = β1·m + (1-β1)·g;  p = p - lr·(sign(c) + wd·p);  m = β2·m + (1-β2)·g
// torch 1.13 has no Lion; defaults follow the paper's reference code (lr 1e-4, β = (0.9, 0.99)).
import { betas, nonNegative, type OptimizerDefinition } from './optimizer.ts';

export interface LionOptions {
  readonly [k: string]: number | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly weightDecay: number;
}

export const lion: OptimizerDefinition<LionOptions, Float32Array> = {
  name: 'lion',
  description: 'Lion (Chen et al. 2023): sign of an interpolated momentum',
  lrRange: [1e-6, 1e-2],
  defaults: { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0 },
  schema: { lr: nonNegative, betas, weightDecay: nonNegative },
  init: (n) => new Float32Array(n),
  update(p, g, m, o, lr) {
    const [b1, b2] = o.betas;
    const shrink = 1 - lr * o.weightDecay;
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]!;
      const c = b1 * m[i]! + (1 - b1) * gi;
      const next = (p[i] = Math.fround(Math.fround(old * shrink) - lr * Math.sign(c)));
      m[i] = Math.fround(b2 * m[i]! + (1 - b2) * gi);
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
