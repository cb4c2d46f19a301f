// RMSprop as torch.optim.RMSprop:
//   g += wd·p;  s = α·s + (1-α)·g²;  centered: ḡ = α·ḡ + (1-α)·g, avg = sqrt(s - ḡ²) else sqrt(s)
//   avg += eps;  momentum: b = μ·b + g/avg, p -= lr·b;  else p -= lr·g/avg
import { flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';

export interface RmspropOptions {
  readonly [k: string]: number | boolean;
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
}

interface State {
  readonly sq: Float32Array;
  readonly gavg: Float32Array | null;
  readonly buf: Float32Array | null;
}

export const rmsprop: OptimizerDefinition<RmspropOptions, State> = {
  name: 'rmsprop',
  description: 'RMSprop (Hinton), optionally centered and with momentum',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  schema: { lr: nonNegative, alpha: nonNegative, eps: nonNegative, weightDecay: nonNegative, momentum: nonNegative, centered: flag },
  init: (n, o) => ({
    sq: new Float32Array(n),
    gavg: o.centered ? new Float32Array(n) : null,
    buf: o.momentum > 0 ? new Float32Array(n) : null,
  }),
  update(p, g, { sq: s, gavg, buf }, o, lr) {
    const { alpha, eps, weightDecay: wd, momentum: mu } = o;
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const si = (s[i] = Math.fround(alpha * s[i]! + (1 - alpha) * gi * gi));
      let avg: number;
      if (gavg) {
        const ga = (gavg[i] = Math.fround(alpha * gavg[i]! + (1 - alpha) * gi));
        avg = Math.sqrt(Math.fround(si - ga * ga));
      } else avg = Math.sqrt(si);
      avg = Math.fround(avg) + eps;
      let next: number;
      if (buf) {
        const b = (buf[i] = Math.fround(mu * buf[i]! + gi / avg));
        next = p[i] = Math.fround(old - lr * b);
      } else next = p[i] = Math.fround(old - (lr * gi) / avg);
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
