// Adam (Kingma & Ba 2015) exactly as torch.optim.Adam orders it:
//   g += wd·p (L2, coupled)              [AdamW instead: p *= 1 - lr·wd, decoupled]
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂max = max(v̂max, v) with amsgrad
//   p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + eps)
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { DECOUPLED_DECAY } from './space.ts';
import { flag, momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, max, sqrt, v, t, load, set, store, old, g, type Kernel, adamMoments } from './simd/wat.ts';

export interface AdamOptions extends MomentOptions {
  readonly amsgrad: boolean;
}

export type AdamState = SimdState & { readonly m: Region | null; readonly v: Region | null; readonly vmax: Region | null };

/** The Adam update with weight decay either coupled (Adam) or decoupled (AdamW). */
/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const adamKernel: Kernel = {
  name: 'adam',
  doc: [
    'Adam / AdamW: g += wd·p (coupled); p *= shrink (decoupled); m = β1·m + (1-β1)·g;',
    'v = β2·v + (1-β2)·g²; v̂ = amsgrad ? max(vmax, v) : v; p -= step·m / (sqrt(v̂)·(1/sqrt(1-β2ᵗ)) + eps).',
    '(torch divides by sqrt(1-β2ᵗ); multiplying by its reciprocal differs by at most an ulp',
    'and saves one of the two vector divisions, the costliest instructions in the loop.)',
  ].join('\n'),
  streams: ['m', 'v', 'vmax'],
  scalars: [
    ['b1', 'f32'],
    ['b2', 'f32'],
    ['c1', 'f32'],
    ['c2', 'f32'],
    ['wd', 'f32'],
    ['shrink', 'f32'],
    ['step', 'f32'],
    ['invbc2', 'f32'],
    ['eps', 'f32'],
    ['amsgrad', 'i32'],
  ],
  temps: ['gi', 'mi', 'vi'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    ...adamMoments,
    `(if (local.get $amsgrad) (then ${set('vi', max(load('vmax'), t('vi')))} ${store('vmax', t('vi'))}))`,
    set('next', sub(mul(old, v('shrink')), mul(v('step'), div(t('mi'), add(mul(sqrt(t('vi')), v('invbc2')), v('eps')))))),
  ],
};

export function adamFamily(name: string, description: string, decoupled: boolean, weightDecay: number): OptimizerDefinition<AdamOptions, AdamState> {
  return {
    name,
    description,
    kernels: [adamKernel],
    lrRange: [1e-5, 1e-1],
    ...(decoupled ? { space: { weightDecay: DECOUPLED_DECAY } } : {}),
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
