// RAdam (Liu et al. 2020) as torch.optim.RAdam:
//   g += wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  m̂ = m/(1-β1ᵗ)
//   ρ∞ = 2/(1-β2) - 1;  ρt = ρ∞ - 2t·β2ᵗ/(1-β2ᵗ)
//   ρt > 5: r = sqrt((ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt)),  p -= lr · m̂ · r · sqrt(1-β2ᵗ)/(sqrt(v)+eps)
//   else:   p -= lr · m̂   (un-adapted momentum while the variance estimate is unreliable)
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, set, old, g, type Kernel, adamMoments } from './simd/wat.ts';

export type RadamOptions = MomentOptions;

type State = SimdState & { readonly m: Region | null; readonly v: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const radamKernel: Kernel = {
  name: 'radam',
  doc: [
    'RAdam: g += wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; m̂ = m/(1-β1ᵗ);',
    'adaptive steps: p -= m̂·lr·(sqrt(1-β2ᵗ) / (sqrt(v) + eps))·rect; otherwise p -= m̂·lr.',
  ].join('\n'),
  streams: ['m', 'v'],
  scalars: [
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['bc1', 'f32'],
    ['lr', 'f32'],
    ['bc2sqrt', 'f32'],
    ['eps', 'f32'],
    ['rect', 'f32'],
    ['wd', 'f32'],
    ['adaptive', 'i32'],
  ],
  temps: ['gi', 'mi', 'vi', 'step'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    ...adamMoments,
    set('step', mul(div(t('mi'), v('bc1')), v('lr'))),
    `(if (local.get $adaptive) (then ${set('step', mul(mul(t('step'), div(v('bc2sqrt'), add(sqrt(t('vi')), v('eps')))), v('rect')))}))`,
    set('next', sub(old, t('step'))),
  ],
};

export const radam: OptimizerDefinition<RadamOptions, State> = {
  name: 'radam',
  kernels: [radamKernel],
  description: 'Rectified Adam (Liu et al. 2020)',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
  schema: momentSchema,
  init: (n, _o, arena) => simdState(arena(), n, { m: n, v: n }),
  update(p, g, s, o, lr, t) {
    const [b1, b2] = o.betas;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * t * b2 ** t) / bc2;
    const adaptive = rhoT > 5;
    const rect = adaptive ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    return simdStep(s, p, g, (k) =>
      k.radam(
        s.p.offset,
        s.g.offset,
        at(s.m),
        at(s.v),
        p.length,
        b1,
        1 - b1,
        b2,
        1 - b2,
        bc1,
        lr,
        Math.sqrt(bc2),
        o.eps,
        rect,
        o.weightDecay,
        adaptive ? 1 : 0,
      ),
    );
  },
  home: (s) => s.p.array,
};
