// Adadelta (Zeiler 2012) as torch.optim.Adadelta:
//   g += wd·p;  s = ρ·s + (1-ρ)·g²;  δ = sqrt(a + eps) / sqrt(s + eps) · g;  a = ρ·a + (1-ρ)·δ²;  p -= lr·δ
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { nonNegative, unitInterval, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

export interface AdadeltaOptions {
  readonly [k: string]: number;
  readonly lr: number;
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
}

type State = SimdState & { readonly sq: Region | null; readonly dsq: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const adadeltaKernel: Kernel = {
  name: 'adadelta',
  doc: 'Adadelta: g += wd·p; s = ρ·s + (1-ρ)·g²; δ = sqrt(a + eps) / sqrt(s + eps) · g; a = ρ·a + (1-ρ)·δ²; p -= lr·δ.',
  streams: ['sq', 'dsq'],
  scalars: [
    ['rho', 'f32'],
    ['c', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
    ['lr', 'f32'],
  ],
  temps: ['gi', 'si', 'delta'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    set('si', add(mul(load('sq'), v('rho')), mul(v('c'), mul(t('gi'), t('gi'))))),
    store('sq', t('si')),
    set('delta', mul(div(sqrt(add(load('dsq'), v('eps'))), sqrt(add(t('si'), v('eps')))), t('gi'))),
    store('dsq', add(mul(load('dsq'), v('rho')), mul(v('c'), mul(t('delta'), t('delta'))))),
    set('next', sub(old, mul(v('lr'), t('delta')))),
  ],
};

export const adadelta: OptimizerDefinition<AdadeltaOptions, State> = {
  name: 'adadelta',
  kernels: [adadeltaKernel],
  description: 'Adadelta (Zeiler 2012): steps scaled by the ratio of running RMS of updates and gradients',
  lrRange: [1e-2, 1e2],
  defaults: { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 },
  schema: { lr: nonNegative, rho: unitInterval, eps: nonNegative, weightDecay: nonNegative },
  init: (n, _o, arena) => simdState(arena(), n, { sq: n, dsq: n }),
  update: (p, g, s, o, lr) =>
    simdStep(s, p, g, (k) => k.adadelta(s.p.offset, s.g.offset, at(s.sq), at(s.dsq), p.length, o.rho, 1 - o.rho, o.eps, o.weightDecay, lr)),
  home: (s) => s.p.array,
};
