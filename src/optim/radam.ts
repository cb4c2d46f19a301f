// RAdam (Liu et al. 2020) as torch.optim.RAdam:
//   g += wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  m̂ = m/(1-β1ᵗ)
//   ρ∞ = 2/(1-β2) - 1;  ρt = ρ∞ - 2t·β2ᵗ/(1-β2ᵗ)
//   ρt > 5: r = sqrt((ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt)),  p -= lr · m̂ · r · sqrt(1-β2ᵗ)/(sqrt(v)+eps)
//   else:   p -= lr · m̂   (un-adapted momentum while the variance estimate is unreliable)
import { momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';

export type RadamOptions = MomentOptions;

export const radam: OptimizerDefinition<RadamOptions, { m: Float32Array; v: Float32Array }> = {
  name: 'radam',
  description: 'Rectified Adam (Liu et al. 2020)',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
  schema: momentSchema,
  init: (n) => ({ m: new Float32Array(n), v: new Float32Array(n) }),
  update(p, g, { m, v }, o, lr, t) {
    const [b1, b2] = o.betas;
    const { eps, weightDecay: wd } = o;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * t * b2 ** t) / bc2;
    const adaptive = rhoT > 5;
    const rect = adaptive ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    const bc2Sqrt = Math.sqrt(bc2);
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const mi = (m[i] = Math.fround(b1 * m[i]! + (1 - b1) * gi));
      const vi = (v[i] = Math.fround(b2 * v[i]! + (1 - b2) * gi * gi));
      const mhat = Math.fround(mi / bc1);
      const step = adaptive ? mhat * lr * (bc2Sqrt / (Math.fround(Math.sqrt(vi)) + eps)) * rect : mhat * lr;
      const next = (p[i] = Math.fround(old - step));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
