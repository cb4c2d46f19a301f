// AdaBelief (Zhuang et al., NeurIPS 2020) exactly as its authors' package computes it,
// adabelief-pytorch 0.2.0 (github.com/juntang-zhuang/Adabelief-Optimizer, defaults included):
//   weightDecouple: p *= 1 - lr·wd (fixedDecay: 1 - wd);  else g += wd·p
//   m = β1·m + (1-β1)·g;  s = β2·s + (1-β2)·(g - m)² + eps   (eps kept in s, as the reference adds it in place)
//   amsgrad: ŝ = max(ŝ, s), else ŝ = s
//   rectify off: p -= lr/(1-β1ᵗ) · m / (sqrt(ŝ)/sqrt(1-β2ᵗ) + eps)
//   rectify on (RAdam's rule): ρt ≥ 5: p -= lr·r_t · m / (sqrt(s) + eps),
//                 r_t = sqrt((1-β2ᵗ)(ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt)) / (1-β1ᵗ);
//                 else p -= lr/(1-β1ᵗ) · m with degeneratedToSgd, or no step.
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as the reference does.
import { betas, flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, max, sqrt, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

export interface AdabeliefOptions {
  readonly [k: string]: number | boolean | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly weightDecouple: boolean;
  readonly fixedDecay: boolean;
  readonly rectify: boolean;
  readonly degeneratedToSgd: boolean;
}

type State = SimdState & { readonly m: Region | null; readonly s: Region | null; readonly smax: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const adabeliefKernel: Kernel = {
  name: 'adabelief',
  doc: [
    'AdaBelief (adabelief-pytorch 0.2.0): p *= shrink (decoupled decay); g += wd·p (coupled); m = β1·m + (1-β1)·g;',
    's = β2·s + (1-β2)·(g-m)² + eps (stored, as the reference adds eps in place); v = amsgrad ? max(smax, s) : s;',
    'mode 0: p -= step·m / (sqrt(v)·(1/sqrt(1-β2ᵗ)) + eps); 1 (rectified): p -= step·m / (sqrt(s) + eps); 2: p -= step·m; 3: no step.',
  ].join('\n'),
  streams: ['m', 's', 'smax'],
  scalars: [
    ['shrink', 'f32'],
    ['wd', 'f32'],
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['eps', 'f32'],
    ['invbc2', 'f32'],
    ['step', 'f32'],
    ['amsgrad', 'i32'],
    ['mode', 'i32'],
  ],
  temps: ['pi', 'gi', 'mi', 'r', 'si', 'vi'],
  body: [
    set('pi', mul(old, v('shrink'))),
    set('gi', add(g, mul(v('wd'), t('pi')))),
    set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
    store('m', t('mi')),
    set('r', sub(t('gi'), t('mi'))),
    set('si', add(add(mul(load('s'), v('b2')), mul(v('c2'), mul(t('r'), t('r')))), v('eps'))),
    store('s', t('si')),
    set('vi', t('si')),
    `(if (local.get $amsgrad) (then ${set('vi', max(load('smax'), t('si')))} ${store('smax', t('vi'))}))`,
    set('next', t('pi')),
    `(if (i32.eq (local.get $mode) (i32.const 0)) (then ` +
      `${set('next', sub(t('pi'), mul(v('step'), div(t('mi'), add(mul(sqrt(t('vi')), v('invbc2')), v('eps'))))))}))`,
    `(if (i32.eq (local.get $mode) (i32.const 1)) (then ${set('next', sub(t('pi'), mul(v('step'), div(t('mi'), add(sqrt(t('si')), v('eps'))))))}))`,
    `(if (i32.eq (local.get $mode) (i32.const 2)) (then ${set('next', sub(t('pi'), mul(v('step'), t('mi'))))}))`,
  ],
};

export const adabelief: OptimizerDefinition<AdabeliefOptions, State> = {
  name: 'adabelief',
  kernels: [adabeliefKernel],
  description: 'AdaBelief (Zhuang et al. 2020): Adam whose step follows the belief in the gradient, its deviation from the momentum',
  lrRange: [1e-5, 1e-1],
  defaults: {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-16,
    weightDecay: 0,
    amsgrad: false,
    weightDecouple: true,
    fixedDecay: false,
    rectify: true,
    degeneratedToSgd: true,
  },
  schema: {
    lr: nonNegative,
    betas,
    eps: nonNegative,
    weightDecay: nonNegative,
    amsgrad: flag,
    weightDecouple: flag,
    fixedDecay: flag,
    rectify: flag,
    degeneratedToSgd: flag,
  },
  init: (n, o, arena) => simdState(arena(), n, { m: n, s: n, smax: o.amsgrad ? n : 0 }),
  update(p, g, st, o, lr, t) {
    const [b1, b2] = o.betas;
    const wd = o.weightDecay;
    const shrink = o.weightDecouple ? (o.fixedDecay ? 1 - wd : 1 - lr * wd) : 1;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    let mode = 0;
    let step = lr / bc1;
    if (o.rectify) {
      const b2t = b2 ** t;
      const rhoInf = 2 / (1 - b2) - 1;
      const rho = rhoInf - (2 * t * b2t) / (1 - b2t);
      if (rho >= 5) {
        mode = 1;
        step = lr * (Math.sqrt(((((((1 - b2t) * (rho - 4)) / (rhoInf - 4)) * (rho - 2)) / rho) * rhoInf) / (rhoInf - 2)) / bc1);
      } else if (o.degeneratedToSgd) {
        mode = 2;
        step = lr * (1 / bc1);
      } else mode = 3;
    }
    return simdStep(st, p, g, (k) =>
      k.adabelief(
        st.p.offset,
        st.g.offset,
        at(st.m),
        at(st.s),
        at(st.smax),
        p.length,
        shrink,
        o.weightDecouple ? 0 : wd,
        b1,
        1 - b1,
        b2,
        1 - b2,
        o.eps,
        1 / Math.sqrt(bc2),
        step,
        st.smax ? 1 : 0,
        mode,
      ),
    );
  },
  home: (s) => s.p.array,
};
