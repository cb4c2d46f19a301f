// Adamax (Kingma & Ba 2015, §7.1) as torch.optim.Adamax:
//   g += wd·p;  m = β1·m + (1-β1)·g;  u = max(β2·u, |g| + eps);  p -= lr/(1-β1ᵗ) · m / u
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, max, abs, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

export type AdamaxOptions = MomentOptions;

type State = SimdState & { readonly m: Region | null; readonly u: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const adamaxKernel: Kernel = {
  name: 'adamax',
  doc: 'Adamax: g += wd·p; m = β1·m + (1-β1)·g; u = max(β2·u, |g| + eps); p -= clr·m/u, clr = lr / (1-β1ᵗ).',
  streams: ['m', 'u'],
  scalars: [
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
    ['clr', 'f32'],
  ],
  temps: ['gi', 'mi', 'ui'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
    store('m', t('mi')),
    set('ui', max(mul(load('u'), v('b2')), add(abs(t('gi')), v('eps')))),
    store('u', t('ui')),
    set('next', sub(old, mul(v('clr'), div(t('mi'), t('ui'))))),
  ],
};

export const adamax: OptimizerDefinition<AdamaxOptions, State> = {
  name: 'adamax',
  kernels: [adamaxKernel],
  description: 'Adamax: Adam with an infinity-norm second moment',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
  schema: momentSchema,
  init: (n, _o, arena) => simdState(arena(), n, { m: n, u: n }),
  update(p, g, s, o, lr, t) {
    const [b1, b2] = o.betas;
    return simdStep(s, p, g, (k) => k.adamax(s.p.offset, s.g.offset, at(s.m), at(s.u), p.length, b1, 1 - b1, b2, o.eps, o.weightDecay, lr / (1 - b1 ** t)));
  },
  home: (s) => s.p.array,
};
