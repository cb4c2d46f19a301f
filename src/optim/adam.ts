// Adam (Kingma & Ba 2015) exactly as torch.optim.Adam orders it:
//   g += wd·p (L2, coupled)              [AdamW instead: p *= 1 - lr·wd, decoupled]
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂max = max(v̂max, v) with amsgrad
//   p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + eps)
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { flag, momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import type { Arena, Region } from './simd/arena.ts';

export interface AdamOptions extends MomentOptions {
  readonly amsgrad: boolean;
}

export interface AdamState {
  readonly arena: Arena;
  readonly p: Region;
  readonly g: Region;
  readonly m: Region;
  readonly v: Region;
  readonly vmax: Region | null;
}

/** The Adam update with weight decay either coupled (Adam) or decoupled (AdamW). */
export function adamFamily(name: string, description: string, decoupled: boolean, weightDecay: number): OptimizerDefinition<AdamOptions, AdamState> {
  return {
    name,
    description,
    lrRange: [1e-5, 1e-1],
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false },
    schema: { ...momentSchema, amsgrad: flag },
    init(n, o, arena) {
      const a = arena();
      return { arena: a, p: a.alloc(n), g: a.alloc(n), m: a.alloc(n), v: a.alloc(n), vmax: o.amsgrad ? a.alloc(n) : null };
    },
    update(p, g, s, o, lr, t) {
      const [b1, b2] = o.betas;
      const wd = o.weightDecay;
      const inPlace = s.p.holds(p);
      if (!inPlace) s.p.array.set(p);
      s.g.array.set(g);
      const sq = s.arena.kernels.adam(
        s.p.offset, s.g.offset, s.m.offset, s.v.offset, s.vmax?.offset ?? 0, p.length,
        b1, b2, 1 - b1, 1 - b2,
        decoupled ? 0 : wd, decoupled ? 1 - lr * wd : 1,
        lr / (1 - b1 ** t), 1 / Math.sqrt(1 - b2 ** t), o.eps, s.vmax ? 1 : 0,
      );
      if (!inPlace) p.set(s.p.array);
      return sq;
    },
    home: (s) => s.p.array,
  };
}

export const adam = adamFamily('adam', 'Adam with L2 weight decay added to the gradient', false, 0);
