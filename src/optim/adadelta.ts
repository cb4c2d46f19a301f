// Adadelta (Zeiler 2012) as torch.optim.Adadelta:
//   g += wd·p;  s = ρ·s + (1-ρ)·g²;  δ = sqrt(a + eps) / sqrt(s + eps) · g;  a = ρ·a + (1-ρ)·δ²;  p -= lr·δ
import { nonNegative, unitInterval, type OptimizerDefinition } from './optimizer.ts';

export interface AdadeltaOptions {
  readonly [k: string]: number;
  readonly lr: number;
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const adadelta: OptimizerDefinition<AdadeltaOptions, { s: Float32Array; a: Float32Array }> = {
  name: 'adadelta',
  description: 'Adadelta (Zeiler 2012): steps scaled by the ratio of running RMS of updates and gradients',
  lrRange: [1e-2, 1e2],
  defaults: { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 },
  schema: { lr: nonNegative, rho: unitInterval, eps: nonNegative, weightDecay: nonNegative },
  init: (n) => ({ s: new Float32Array(n), a: new Float32Array(n) }),
  update(p, g, { s, a }, o, lr) {
    const { rho, eps, weightDecay: wd } = o;
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const si = (s[i] = Math.fround(rho * s[i]! + (1 - rho) * gi * gi));
      const std = Math.fround(Math.sqrt(Math.fround(si + eps)));
      const delta = Math.fround((Math.fround(Math.sqrt(Math.fround(a[i]! + eps))) / std) * gi);
      a[i] = Math.fround(rho * a[i]! + (1 - rho) * delta * delta);
      const next = (p[i] = Math.fround(old - lr * delta));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
