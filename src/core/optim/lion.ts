// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Alg. 2):
//   c = β1·m + (1-β1)·g;  p = p - lr·(sign(c) + wd·p);  m = β2·m + (1-β2)·g
// torch 1.13 has no Lion; defaults follow the paper's reference code (lr 1e-4, β = (0.9, 0.99)).
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { DECOUPLED_DECAY } from './space.ts';
import { betas, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, v, t, load, set, store, old, g, ZERO, ONE, type Kernel } from './simd/wat.ts';

export interface LionOptions {
  readonly [k: string]: number | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly weightDecay: number;
}

type State = SimdState & { readonly m: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const lionKernel: Kernel = {
  name: 'lion',
  doc: 'Lion: c = β1·m + (1-β1)·g; p = p·shrink - lr·sign(c); m = β2·m + (1-β2)·g (sign(0) = 0; NaN stays NaN).',
  streams: ['m'],
  scalars: [
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['shrink', 'f32'],
    ['lr', 'f32'],
  ],
  temps: ['c', 'sign'],
  body: [
    set('c', add(mul(load('m'), v('b1')), mul(v('c1'), g))),
    // 1 where c > 0, -1 where c < 0, else c·0 (0, or NaN for NaN).
    set(
      'sign',
      `(v128.bitselect ${ONE} (v128.bitselect (f32x4.neg ${ONE}) (f32x4.mul ${t('c')} ${ZERO}) (f32x4.lt ${t('c')} ${ZERO})) (f32x4.gt ${t('c')} ${ZERO}))`,
    ),
    set('next', sub(mul(old, v('shrink')), mul(v('lr'), t('sign')))),
    store('m', add(mul(load('m'), v('b2')), mul(v('c2'), g))),
  ],
};

export const lion: OptimizerDefinition<LionOptions, State> = {
  name: 'lion',
  kernels: [lionKernel],
  description: 'Lion (Chen et al. 2023): sign of an interpolated momentum',
  lrRange: [1e-6, 1e-2],
  space: { weightDecay: DECOUPLED_DECAY },
  defaults: { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0 },
  schema: { lr: nonNegative, betas, weightDecay: nonNegative },
  init: (n, _o, arena) => simdState(arena(), n, { m: n }),
  update(p, g, s, o, lr) {
    const [b1, b2] = o.betas;
    return simdStep(s, p, g, (k) => k.lion(s.p.offset, s.g.offset, at(s.m), p.length, b1, 1 - b1, b2, 1 - b2, 1 - lr * o.weightDecay, lr));
  },
  home: (s) => s.p.array,
};
