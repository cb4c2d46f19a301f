// Adagrad as torch.optim.Adagrad:
//   g += wd·p;  clr = lr / (1 + (t-1)·lrDecay);  s += g²;  p -= clr · g / (sqrt(s) + eps)
import { nonNegative, type OptimizerDefinition } from './optimizer.ts';

export interface AdagradOptions {
  readonly [k: string]: number;
  readonly lr: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
}

export const adagrad: OptimizerDefinition<AdagradOptions, Float32Array> = {
  name: 'adagrad',
  description: 'Adagrad (Duchi et al. 2011): per-coordinate steps from the sum of squared gradients',
  lrRange: [1e-4, 1],
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
  schema: { lr: nonNegative, lrDecay: nonNegative, weightDecay: nonNegative, initialAccumulatorValue: nonNegative, eps: nonNegative },
  init: (n, o) => new Float32Array(n).fill(o.initialAccumulatorValue),
  update(p, g, s, o, lr, t) {
    const { weightDecay: wd, eps } = o;
    const clr = lr / (1 + (t - 1) * o.lrDecay);
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const si = (s[i] = Math.fround(s[i]! + gi * gi));
      const next = (p[i] = Math.fround(old - (clr * gi) / (Math.fround(Math.sqrt(si)) + eps)));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
