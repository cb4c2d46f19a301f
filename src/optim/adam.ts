// Adam (Kingma & Ba 2015) exactly as torch.optim.Adam orders it:
//   g += wd·p (L2, coupled)              [AdamW instead: p *= 1 - lr·wd, decoupled]
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂max = max(v̂max, v) with amsgrad
//   p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + eps)
import { betas, flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';

export interface AdamOptions {
  readonly [k: string]: number | boolean | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
}

export interface AdamState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly vmax: Float32Array | null;
}

/** One fused pass; a plain top-level function so Adam and AdamW share one optimised loop. */
function adamLoop(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null,
  b1: number, b2: number, eps: number, coupled: number, shrink: number, stepSize: number, invBc2Sqrt: number,
): number {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    const old = p[i]!;
    const gi = g[i]! + coupled * old;
    const mi = (m[i] = Math.fround(b1 * m[i]! + c1 * gi));
    let vi = (v[i] = Math.fround(b2 * v[i]! + c2 * gi * gi));
    if (vmax !== null) vi = vmax[i] = Math.max(vmax[i]!, vi);
    const base = shrink === 1 ? old : Math.fround(old * shrink);
    const next = (p[i] = Math.fround(base - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps)));
    const d = next - old;
    sq += d * d;
  }
  return sq;
}

/** The Adam update with weight decay either coupled (Adam) or decoupled (AdamW). */
export function adamFamily(name: string, description: string, decoupled: boolean, weightDecay: number): OptimizerDefinition<AdamOptions, AdamState> {
  return {
    name,
    description,
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false },
    schema: { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative, amsgrad: flag },
    init: (n, o) => ({ m: new Float32Array(n), v: new Float32Array(n), vmax: o.amsgrad ? new Float32Array(n) : null }),
    update(p, g, { m, v, vmax }, o, lr, t) {
      const [b1, b2] = o.betas;
      const wd = o.weightDecay;
      // sqrt(v̂) = sqrt(v) / sqrt(1-β2ᵗ); multiplying by the reciprocal keeps one division per element.
      return adamLoop(p, g, m, v, vmax, b1, b2, o.eps, decoupled ? 0 : wd, decoupled ? 1 - lr * wd : 1, lr / (1 - b1 ** t), 1 / Math.sqrt(1 - b2 ** t));
    },
  };
}

export const adam = adamFamily('adam', 'Adam with L2 weight decay added to the gradient', false, 0);
