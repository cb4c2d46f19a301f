// LAMB (You et al., ICLR 2020, "Large Batch Optimization for Deep Learning") as the
// tensorflow-addons implementation computes it (tfa.optimizers.LAMB, from the authors'
// description; its defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-6, weight decay 0):
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  u = m̂ / (sqrt(v̂) + eps) + wd·p
//   r = ‖p‖/‖u‖ (1 when either norm is 0);  p -= r·lr·u      (per tensor: the layer-wise trust ratio)
// Three SIMD passes per tensor (simd/kernels.wat): ‖p‖, the moments and u (kept in the
// gradient's staging region) with ‖u‖, then the step.
import { DECOUPLED_DECAY } from './space.ts';
import { momentSchema, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, type Region, type SimdState, simdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, set, store, old, g, type Kernel, SUMSQ, adamMoments } from './simd/wat.ts';

export type LambOptions = MomentOptions;

type State = SimdState & { readonly m: Region | null; readonly v: Region | null };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const lambUpdateKernel: Kernel = {
  name: 'lamb_update',
  doc: [
    'LAMB, first pass (tensorflow-addons LAMB): m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;',
    'u = (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + eps) + wd·p, written over g; p unchanged; returns Σu².',
  ].join('\n'),
  streams: ['m', 'v'],
  scalars: [
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['bc1', 'f32'],
    ['bc2', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
  ],
  temps: ['gi', 'mi', 'vi', 'u'],
  body: [
    set('gi', g),
    ...adamMoments,
    set('u', add(div(div(t('mi'), v('bc1')), add(sqrt(div(t('vi'), v('bc2'))), v('eps'))), mul(v('wd'), old))),
    store('g', t('u')),
    set('next', old),
  ],
  accumulate: t('u'),
};

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const lambApplyKernel: Kernel = {
  name: 'lamb_apply',
  doc: 'LAMB, second pass: p -= step·u, with u from lamb_update (in g) and step = trust ratio · lr.',
  streams: [],
  scalars: [['step', 'f32']],
  temps: [],
  body: [set('next', sub(old, mul(v('step'), g)))],
};

export const lamb: OptimizerDefinition<LambOptions, State> = {
  name: 'lamb',
  kernels: [lambUpdateKernel, lambApplyKernel, SUMSQ],
  description: 'LAMB (You et al. 2020): Adam steps scaled per tensor by the trust ratio ‖p‖/‖update‖',
  lrRange: [1e-5, 1e-1],
  space: { weightDecay: DECOUPLED_DECAY },
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0 },
  schema: momentSchema,
  init: (n, _o, arena) => simdState(arena(), n, { m: n, v: n }),
  update(p, g, s, o, lr, t) {
    const [b1, b2] = o.betas;
    const inPlace = s.p.holds(p);
    if (!inPlace) s.p.array.set(p);
    s.g.array.set(g);
    const k = s.arena.kernels;
    const pNorm = Math.sqrt(k.sumsq(s.p.offset, s.g.offset, p.length));
    const uNorm = Math.sqrt(
      k.lamb_update(s.p.offset, s.g.offset, at(s.m), at(s.v), p.length, b1, 1 - b1, b2, 1 - b2, 1 - b1 ** t, 1 - b2 ** t, o.eps, o.weightDecay),
    );
    const ratio = pNorm > 0 && uNorm > 0 ? pNorm / uNorm : 1;
    const sq = k.lamb_apply(s.p.offset, s.g.offset, p.length, ratio * lr);
    if (!inPlace) p.set(s.p.array);
    return sq;
  },
  home: (s) => s.p.array,
};
