// Adamax (Kingma & Ba 2015, §7.1) as torch.optim.Adamax:
//   g += wd·p;  m = β1·m + (1-β1)·g;  u = max(β2·u, |g| + eps);  p -= lr/(1-β1ᵗ) · m / u
import { momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';

export type AdamaxOptions = MomentOptions;

export const adamax: OptimizerDefinition<AdamaxOptions, { m: Float32Array; u: Float32Array }> = {
  name: 'adamax',
  description: 'Adamax: Adam with an infinity-norm second moment',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
  schema: momentSchema,
  init: (n) => ({ m: new Float32Array(n), u: new Float32Array(n) }),
  update(p, g, { m, u }, o, lr, t) {
    const [b1, b2] = o.betas;
    const { eps, weightDecay: wd } = o;
    const clr = lr / (1 - b1 ** t);
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const mi = (m[i] = Math.fround(b1 * m[i]! + (1 - b1) * gi));
      const ui = (u[i] = Math.max(Math.fround(b2 * u[i]!), Math.fround(Math.abs(gi) + eps)));
      const next = (p[i] = Math.fround(old - (clr * mi) / ui));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
