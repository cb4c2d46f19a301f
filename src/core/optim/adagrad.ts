// Adagrad as torch.optim.Adagrad:
//   g += wd·p;  clr = lr / (1 + (t-1)·lrDecay);  s += g²;  p -= clr · g / (sqrt(s) + eps)
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

export interface AdagradOptions {
  readonly [k: string]: number;
  readonly lr: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
}

type State = SimdState & { readonly sum: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const adagradKernel: Kernel = {
  name: 'adagrad',
  doc: 'Adagrad: g += wd·p; s += g²; p -= clr·g / (sqrt(s) + eps), clr = lr / (1 + (t-1)·lr_decay).',
  streams: ['sum'],
  scalars: [
    ['clr', 'f32'],
    ['wd', 'f32'],
    ['eps', 'f32'],
  ],
  temps: ['gi', 'si'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    set('si', add(load('sum'), mul(t('gi'), t('gi')))),
    store('sum', t('si')),
    set('next', sub(old, mul(v('clr'), div(t('gi'), add(sqrt(t('si')), v('eps')))))),
  ],
};

export const adagrad: OptimizerDefinition<AdagradOptions, State> = {
  name: 'adagrad',
  kernels: [adagradKernel],
  description: 'Adagrad (Duchi et al. 2011): per-coordinate steps from the sum of squared gradients',
  lrRange: [1e-4, 1],
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
  schema: { lr: nonNegative, lrDecay: nonNegative, weightDecay: nonNegative, initialAccumulatorValue: nonNegative, eps: nonNegative },
  init(n, o, arena) {
    const s = simdState(arena(), n, { sum: n });
    s.sum!.array.fill(o.initialAccumulatorValue);
    return s;
  },
  update: (p, g, s, o, lr, t) =>
    simdStep(s, p, g, (k) => k.adagrad(s.p.offset, s.g.offset, at(s.sum), p.length, lr / (1 + (t - 1) * o.lrDecay), o.weightDecay, o.eps)),
  home: (s) => s.p.array,
};
