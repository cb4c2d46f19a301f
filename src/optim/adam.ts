// Adam (Kingma & Ba 2015) exactly as torch.optim.Adam orders it:
//   g += wd·p (L2, coupled)              [AdamW instead: p *= 1 - lr·wd, decoupled]
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂max = max(v̂max, v) with amsgrad
//   p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + eps)
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { flag, momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';

export interface AdamOptions extends MomentOptions {
  readonly amsgrad: boolean;
}

export type AdamState = SimdState & { readonly m: Region | null; readonly v: Region | null; readonly vmax: Region | null };

/** The Adam update with weight decay either coupled (Adam) or decoupled (AdamW). */
export function adamFamily(name: string, description: string, decoupled: boolean, weightDecay: number): OptimizerDefinition<AdamOptions, AdamState> {
  return {
    name,
    description,
    lrRange: [1e-5, 1e-1],
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false },
    schema: { ...momentSchema, amsgrad: flag },
    init: (n, o, arena) => simdState(arena(), n, { m: n, v: n, vmax: o.amsgrad ? n : 0 }),
    update(p, g, s, o, lr, t) {
      const [b1, b2] = o.betas;
      const wd = o.weightDecay;
      return simdStep(s, p, g, (k) =>
        k.adam(
          s.p.offset,
          s.g.offset,
          at(s.m),
          at(s.v),
          at(s.vmax),
          p.length,
          b1,
          b2,
          1 - b1,
          1 - b2,
          decoupled ? 0 : wd,
          decoupled ? 1 - lr * wd : 1,
          lr / (1 - b1 ** t),
          1 / Math.sqrt(1 - b2 ** t),
          o.eps,
          s.vmax ? 1 : 0,
        ),
      );
    },
    home: (s) => s.p.array,
  };
}

export const adam = adamFamily('adam', 'Adam with L2 weight decay added to the gradient', false, 0);
