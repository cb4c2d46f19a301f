// SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD):
//   d = g + wd·p;  b = d (first step) else μ·b + (1-τ)·d;  d = nesterov ? d + μ·b : b;  p -= lr·d
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
// torch 1.13 has no default lr (it is required); we use torch 2's 1e-3.
import { flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, v, t, load, set, store, choose, old, g, type Kernel } from './simd/wat.ts';

export interface SgdOptions {
  readonly [k: string]: number | boolean;
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

type State = SimdState & { readonly buf: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const sgdKernel: Kernel = {
  name: 'sgd',
  doc: 'SGD without momentum: d = g + wd·p; p -= lr·d.',
  streams: [],
  scalars: [
    ['lr', 'f32'],
    ['wd', 'f32'],
  ],
  temps: [],
  body: [set('next', sub(old, mul(v('lr'), add(g, mul(v('wd'), old)))))],
};

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const sgdMomentumKernel: Kernel = {
  name: 'sgd_momentum',
  doc: 'SGD with momentum: d = g + wd·p; b = first ? d : μ·b + (1-τ)·d; d = nesterov ? d + μ·b : b; p -= lr·d.',
  streams: ['buf'],
  scalars: [
    ['lr', 'f32'],
    ['wd', 'f32'],
    ['mu', 'f32'],
    ['undamped', 'f32'],
    ['first', 'i32'],
    ['nesterov', 'i32'],
  ],
  temps: ['d', 'b'],
  body: [
    set('d', add(g, mul(v('wd'), old))),
    set('b', choose('first', t('d'), add(mul(load('buf'), v('mu')), mul(v('undamped'), t('d'))))),
    store('buf', t('b')),
    set('d', choose('nesterov', add(t('d'), mul(v('mu'), t('b'))), t('b'))),
    set('next', sub(old, mul(v('lr'), t('d')))),
  ],
};

export const sgd: OptimizerDefinition<SgdOptions, State> = {
  name: 'sgd',
  kernels: [sgdKernel, sgdMomentumKernel],
  description: 'stochastic gradient descent with optional (Nesterov) momentum',
  lrRange: [1e-4, 1],
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  schema: { lr: nonNegative, momentum: nonNegative, dampening: { type: 'number' }, nesterov: flag, weightDecay: nonNegative },
  check: (o) =>
    o.nesterov && (o.momentum <= 0 || o.dampening !== 0)
      ? `nesterov = true requires momentum > 0 and dampening = 0 (got momentum ${o.momentum}, dampening ${o.dampening})`
      : undefined,
  init: (n, o, arena) => simdState(arena(), n, { buf: o.momentum !== 0 ? n : 0 }),
  update: (p, g, s, o, lr, t) =>
    simdStep(s, p, g, (k) =>
      s.buf
        ? k.sgd_momentum(s.p.offset, s.g.offset, s.buf.offset, p.length, lr, o.weightDecay, o.momentum, 1 - o.dampening, t === 1 ? 1 : 0, o.nesterov ? 1 : 0)
        : k.sgd(s.p.offset, s.g.offset, p.length, lr, o.weightDecay),
    ),
  home: (s) => s.p.array,
};
