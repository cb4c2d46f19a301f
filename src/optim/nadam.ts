// NAdam (Dozat 2016) with torch's momentum-decay schedule:
//   μt = β1·(1 - ½·0.96^(t·ψ)),  Πt = Π_{i≤t} μi
//   g += wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  d = sqrt(v/(1-β2ᵗ)) + eps
//   p -= lr·(1-μt)/(1-Πt) · g/d  +  lr·μ(t+1)/(1-Πt·μ(t+1)) · m/d
// This is torch ≥ 2.0. torch 1.13 multiplied μt into Πt twice for the second term
// (a bug fixed upstream); our fixtures are generated with that line corrected.
// torch keeps Πt as a float32 tensor; so do we.
import { momentSchema, nonNegative, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';

export interface NadamOptions extends MomentOptions {
  readonly momentumDecay: number;
}

interface State {
  readonly m: Float32Array;
  readonly v: Float32Array;
  muProduct: number;
}

export const nadam: OptimizerDefinition<NadamOptions, State> = {
  name: 'nadam',
  description: 'Adam with Nesterov momentum (Dozat 2016)',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 },
  schema: { ...momentSchema, momentumDecay: nonNegative },
  init: (n) => ({ m: new Float32Array(n), v: new Float32Array(n), muProduct: 1 }),
  update(p, g, state, o, lr, t) {
    const { m, v } = state;
    const [b1, b2] = o.betas;
    const { eps, weightDecay: wd, momentumDecay: psi } = o;
    const bc2 = 1 - b2 ** t;
    const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
    const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
    const prod = (state.muProduct = Math.fround(state.muProduct * mu));
    const prodNext = Math.fround(prod * muNext);
    const cg = (lr * (1 - mu)) / (1 - prod);
    const cm = (lr * muNext) / (1 - prodNext);
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      const gi = g[i]! + wd * old;
      const mi = (m[i] = Math.fround(b1 * m[i]! + (1 - b1) * gi));
      const vi = (v[i] = Math.fround(b2 * v[i]! + (1 - b2) * gi * gi));
      const d = Math.fround(Math.sqrt(vi / bc2)) + eps;
      const mid = Math.fround(old - (cg * gi) / d);
      const next = (p[i] = Math.fround(mid - (cm * mi) / d));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
