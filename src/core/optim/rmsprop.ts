// RMSprop as torch.optim.RMSprop:
//   g += wd·p;  s = α·s + (1-α)·g²;  centered: ḡ = α·ḡ + (1-α)·g, avg = sqrt(s - ḡ²) else sqrt(s)
//   avg += eps;  momentum: b = μ·b + g/avg, p -= lr·b;  else p -= lr·g/avg
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

export interface RmspropOptions {
  readonly [k: string]: number | boolean;
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
}

type State = SimdState & { readonly sq: Region | null; readonly gavg: Region | null; readonly buf: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const rmspropKernel: Kernel = {
  name: 'rmsprop',
  doc: [
    'RMSprop: g += wd·p; s = α·s + (1-α)·g²; centered: a = α·a + (1-α)·g, avg = sqrt(s - a²), else sqrt(s);',
    'avg += eps; momentum: b = μ·b + g/avg, p -= lr·b; else p -= lr·g/avg.',
  ].join('\n'),
  streams: ['sq', 'gavg', 'buf'],
  scalars: [
    ['alpha', 'f32'],
    ['c', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
    ['mu', 'f32'],
    ['lr', 'f32'],
    ['centered', 'i32'],
    ['momentum', 'i32'],
  ],
  temps: ['gi', 'si', 'ga', 'avg', 'b'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    set('si', add(mul(load('sq'), v('alpha')), mul(v('c'), mul(t('gi'), t('gi'))))),
    store('sq', t('si')),
    `(if (local.get $centered) (then ${set('ga', add(mul(load('gavg'), v('alpha')), mul(v('c'), t('gi'))))} ` +
      `${store('gavg', t('ga'))} ${set('si', sub(t('si'), mul(t('ga'), t('ga'))))}))`,
    set('avg', add(sqrt(t('si')), v('eps'))),
    `(if (local.get $momentum) (then ${set('b', add(mul(load('buf'), v('mu')), div(t('gi'), t('avg'))))} ` +
      `${store('buf', t('b'))} ${set('next', sub(old, mul(v('lr'), t('b'))))}) (else ` +
      `${set('next', sub(old, mul(v('lr'), div(t('gi'), t('avg')))))}))`,
  ],
};

export const rmsprop: OptimizerDefinition<RmspropOptions, State> = {
  name: 'rmsprop',
  kernels: [rmspropKernel],
  description: 'RMSprop (Hinton), optionally centered and with momentum',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  schema: { lr: nonNegative, alpha: nonNegative, eps: nonNegative, weightDecay: nonNegative, momentum: nonNegative, centered: flag },
  init: (n, o, arena) => simdState(arena(), n, { sq: n, gavg: o.centered ? n : 0, buf: o.momentum > 0 ? n : 0 }),
  update: (p, g, s, o, lr) =>
    simdStep(s, p, g, (k) =>
      k.rmsprop(
        s.p.offset,
        s.g.offset,
        at(s.sq),
        at(s.gavg),
        at(s.buf),
        p.length,
        o.alpha,
        1 - o.alpha,
        o.eps,
        o.weightDecay,
        o.momentum,
        lr,
        s.gavg ? 1 : 0,
        s.buf ? 1 : 0,
      ),
    ),
  home: (s) => s.p.array,
};
