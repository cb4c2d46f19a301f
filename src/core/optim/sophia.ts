// Sophia-G (Liu et al., ICLR 2024, "Sophia: A Scalable Stochastic Second-order Optimizer for
// Language Model Pre-training"), as the authors' SophiaG computes it (github.com/Liuhong99/
// Sophia, sophia.py; its defaults) with the training loop of their train_sophiag.py:
//   p *= 1 - lr·wd;  m = β1·m + (1-β1)·g
//   p -= lr·sign(m)·min(|m| / (ρ·B·h + 1e-15), 1)      (B: the suite's batch size, the reference's `bs`)
//   every k steps, after the step: ĝ = ∇ of the batch-mean loss on labels ŷ ~ softmax(logits)
//   at the new weights (the Gauss-Newton-Bartlett estimator), h = β2·h + (1-β2)·ĝ²
// The trainer supplies ĝ (`Optimizer.absorbCurvature`; train.ts samples ŷ from the stream
// (seed, 'sophia', step) from the training-mode forward pass at the new weights, as the
// reference's loop does) and counts it as a gradient evaluation. `loop` carries the rest of
// train_sophiag.py: both gradients clipped to norm `gradClip` (1.0), ĝ on a fresh batch. Before the first estimate h = 0, so the first k steps are sign steps
// of size lr. The update and the estimate run in WebAssembly SIMD (simd/kernels.wat).
import { DECOUPLED_DECAY } from './space.ts';
import { betas, flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, abs, v, t, load, set, store, old, g, ZERO, ONE, type Kernel } from './simd/wat.ts';

export interface SophiaOptions {
  readonly [k: string]: number | boolean | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly rho: number;
  readonly weightDecay: number;
  /** Steps between curvature estimates (the reference's hess_interval, 10). */
  readonly hessianInterval: number;
  /** The global norm both gradients are clipped to (train_sophiag.py's grad_clip, 1.0); 0: no clipping. */
  readonly gradClip: number;
  /** The curvature estimate on a fresh batch, as train_sophiag.py takes it (true), or on the step's own batch. */
  readonly freshCurvatureBatch: boolean;
}

/** `batch`: B, as the last estimate gave it (before any, h = 0 and B does not matter). */
type State = SimdState & { readonly m: Region; readonly h: Region; batch: number };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const sophiaKernel: Kernel = {
  name: 'sophia',
  doc: [
    'Sophia-G (Liu et al. 2023, Liuhong99/Sophia SophiaG): p *= 1 - lr·wd; m = β1·m + (1-β1)·g;',
    'p -= lr·sign(m)·min(|m| / (ρ·bs·h + 1e-15), 1)  (sign(0) = 0; h is read, updated by ema_sq).',
  ].join('\n'),
  streams: ['m', 'h'],
  scalars: [
    ['shrink', 'f32'],
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['scale', 'f32'],
    ['lr', 'f32'],
  ],
  temps: ['mi', 'sign', 'ratio'],
  body: [
    set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), g))),
    store('m', t('mi')),
    set(
      'sign',
      `(v128.bitselect ${ONE} (v128.bitselect (f32x4.neg ${ONE}) (f32x4.mul ${t('mi')} ${ZERO}) (f32x4.lt ${t('mi')} ${ZERO})) (f32x4.gt ${t('mi')} ${ZERO}))`,
    ),
    set('ratio', `(f32x4.min ${div(abs(t('mi')), add(mul(v('scale'), load('h')), '(v128.const f32x4 1e-15 1e-15 1e-15 1e-15)'))} ${ONE})`),
    set('next', sub(mul(old, v('shrink')), mul(v('lr'), mul(t('sign'), t('ratio'))))),
  ],
};

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const emaSqKernel: Kernel = {
  name: 'ema_sq',
  doc: "An exponential average of squares, p = β·p + (1-β)·g² (Sophia-G's curvature estimate h, passed as p).",
  streams: [],
  scalars: [
    ['beta', 'f32'],
    ['c', 'f32'],
  ],
  temps: [],
  bare: true,
  body: [set('next', add(mul(old, v('beta')), mul(v('c'), mul(g, g))))],
};

export const sophia: OptimizerDefinition<SophiaOptions, State> = {
  name: 'sophia',
  kernels: [sophiaKernel, emaSqKernel],
  description: 'Sophia-G (Liu et al. 2023): momentum over a clipped diagonal Gauss-Newton curvature estimate',
  lrRange: [1e-5, 1e-1],
  space: { weightDecay: DECOUPLED_DECAY },
  defaults: { lr: 1e-4, betas: [0.965, 0.99], rho: 0.04, weightDecay: 0.1, hessianInterval: 10, gradClip: 1, freshCurvatureBatch: true },
  schema: {
    lr: nonNegative,
    betas,
    rho: nonNegative,
    weightDecay: nonNegative,
    hessianInterval: { type: 'number', min: 1, max: 100_000 },
    gradClip: nonNegative,
    freshCurvatureBatch: flag,
  },
  loop: (o) => ({ clip: o.gradClip, freshCurvatureBatch: o.freshCurvatureBatch }),
  check: (o) =>
    Number.isInteger(o.hessianInterval) ? undefined : `option "hessianInterval" = ${o.hessianInterval} is invalid; expected a whole number of steps`,
  init: (n, _o, arena) => {
    const st = simdState(arena(), n, { m: n, h: n });
    return { ...st, m: st.m!, h: st.h!, batch: 0 };
  },
  update(p, g, s, o, lr) {
    const [b1] = o.betas;
    return simdStep(s, p, g, (k) => k.sophia(s.p.offset, s.g.offset, at(s.m), at(s.h), p.length, 1 - lr * o.weightDecay, b1, 1 - b1, o.rho * s.batch, lr));
  },
  home: (s) => s.p.array,
  curvature: {
    due: (o, t) => t % o.hessianInterval === 0,
    absorb(grads, states, o, batch) {
      const b2 = o.betas[1];
      states.forEach((s, i) => {
        s.batch = batch;
        s.g.array.set(grads[i]!);
        s.arena.kernels.ema_sq(s.h.offset, s.g.offset, s.h.length, b2, 1 - b2);
      });
    },
  },
};
